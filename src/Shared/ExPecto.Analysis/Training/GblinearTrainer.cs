namespace ExPecto.Analysis.Training;

/// <summary>
/// gblinear training parameters; defaults are ExPecto's train.py (lambda 100, alpha 0, eta 0.01, base_score 2,
/// 100 rounds). Lambda and alpha are per-row penalties: XGBoost multiplies them by the number of rows.
/// </summary>
public sealed record GblinearParameters
{
    public float Lambda { get; init; } = 100f;
    public float Alpha { get; init; } = 0f;
    public float Eta { get; init; } = 0.01f;
    public float BaseScore { get; init; } = 2f;
    public int Rounds { get; init; } = 100;
}

/// <summary>
/// XGBoost 1.7.4's gblinear booster with its default updater (shotgun, cyclic feature order) and reg:squarederror,
/// as a deterministic single-thread equivalent of <c>nthread=1</c> (src/linear/updater_shotgun.cc,
/// coordinate_common.h, src/gbm/gblinear.cc). Each round:
/// <list type="number">
/// <item>predictions p_i = base_score + bias + Σ_j w_j·x_ij (float32), gradients g_i = p_i − y_i, hessians 1;</item>
/// <item>bias step: Δb = float(eta · (−Σg / Σh)), then g_i += h_i·Δb;</item>
/// <item>for j = 0..p−1 in order: G = Σ_i g_i·x_ij, H = Σ_i h_i·x_ij² (double sums of float products),
///   λ' = λ·n, α' = α·n, Δw = float(eta · CoordinateDelta(G, H, w_j, α', λ')) with elastic-net soft thresholding,
///   w_j += Δw, g_i += h_i·x_ij·Δw.</item>
/// </list>
/// The float32/float64 mix follows XGBoost's types so the weights agree with XGBoost to rounding.
/// </summary>
public static class GblinearTrainer
{
    /// <summary>Trains on <paramref name="x"/> (rows × features) and labels <paramref name="y"/>.</summary>
    public static GblinearModel Train(FeatureMatrix x, IReadOnlyList<float> y, GblinearParameters? parameters = null, CancellationToken ct = default)
    {
        var prm = parameters ?? new GblinearParameters();
        int n = x.Rows, p = x.Cols;
        if (y.Count != n) throw new ArgumentException($"{n} rows but {y.Count} labels");
        if (n == 0) throw new ArgumentException("no training rows");

        // Column-major copy: the coordinate updates walk one feature's column at a time (XGBoost's CSC page).
        var cols = new float[(long)n * p];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < p; j++) cols[(long)j * n + i] = x.Values[(long)i * p + j];

        var model = new GblinearModel(prm.BaseScore, new float[p], 0f);
        var w = model.Weights;
        var grad = new float[n];
        var hess = new float[n];
        float lambdaDenorm = (float)(prm.Lambda * (double)n);
        float alphaDenorm = (float)(prm.Alpha * (double)n);
        double eta = prm.Eta;

        for (int round = 0; round < prm.Rounds; round++)
        {
            ct.ThrowIfCancellationRequested();
            for (int i = 0; i < n; i++)
            {
                float pred = model.Predict(x.Row(i));
                grad[i] = pred - y[i];
                hess[i] = 1f;
            }

            double sg = 0, sh = 0;
            for (int i = 0; i < n; i++)
                if (hess[i] >= 0f) { sg += grad[i]; sh += hess[i]; }
            float dbias = (float)(eta * (-sg / sh));
            model.Bias += dbias;
            for (int i = 0; i < n; i++)
                if (hess[i] >= 0f) grad[i] += hess[i] * dbias;

            for (int j = 0; j < p; j++)
            {
                var col = cols.AsSpan((int)((long)j * n), n);
                double sumGrad = 0, sumHess = 0;
                for (int i = 0; i < n; i++)
                {
                    if (hess[i] < 0f) continue;
                    float v = col[i];
                    sumGrad += grad[i] * v;
                    sumHess += hess[i] * v * v;
                }
                float dw = (float)(eta * CoordinateDelta(sumGrad, sumHess, w[j], alphaDenorm, lambdaDenorm));
                if (dw == 0f) continue;
                w[j] += dw;
                for (int i = 0; i < n; i++)
                {
                    if (hess[i] < 0f) continue;
                    grad[i] += hess[i] * col[i] * dw;
                }
            }
            model.BoostedRounds = round + 1;
        }
        return model;
    }

    /// <summary>XGBoost's <c>CoordinateDelta</c>: the elastic-net Newton step for one weight, never crossing zero under L1.</summary>
    internal static double CoordinateDelta(double sumGrad, double sumHess, double w, double alpha, double lambda)
    {
        if (sumHess < 1e-5f) return 0.0;
        double sumGradL2 = sumGrad + lambda * w;
        double sumHessL2 = sumHess + lambda;
        double tmp = w - sumGradL2 / sumHessL2;
        return tmp >= 0
            ? Math.Max(-(sumGradL2 + alpha) / sumHessL2, -w)
            : Math.Min(-(sumGradL2 - alpha) / sumHessL2, -w);
    }
}
