namespace ExPecto.Core.Models;

/// <summary>
/// An XGBoost gblinear regression model as its files hold it: one output group, float32 weights for
/// <see cref="NumFeature"/> features and a bias. Prediction = base_score + bias + Σ weights[i]·x[i]
/// (identity link; only reg:linear / reg:squarederror are accepted, since other objectives transform the margin).
/// </summary>
public sealed class XgbLinearModel
{
    /// <summary>Objectives whose prediction is the raw margin.</summary>
    public static readonly IReadOnlyList<string> IdentityObjectives = ["reg:linear", "reg:squarederror"];

    public XgbLinearModel(float baseScore, float bias, float[] weights, string objective = "reg:linear", int boostedRounds = 0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (!IdentityObjectives.Contains(objective))
            throw new ArgumentException($"objective '{objective}' is not an identity-link regression", nameof(objective));
        BaseScore = baseScore;
        Bias = bias;
        Weights = weights;
        Objective = objective;
        BoostedRounds = boostedRounds;
    }

    /// <summary>base_score, already on the margin scale (identity link).</summary>
    public float BaseScore { get; }

    public float Bias { get; }

    /// <summary>Per-feature weights (bias excluded), in file order.</summary>
    public float[] Weights { get; }

    public int NumFeature => Weights.Length;

    /// <summary>Objective name as stored ("reg:linear" in ExPecto's 2018 files).</summary>
    public string Objective { get; }

    /// <summary>Boosting rounds as the JSON format records them; the legacy binary does not store it (0).</summary>
    public int BoostedRounds { get; }

    /// <summary>Prediction in float64 (XGBoost itself accumulates in float32; the two differ by ~1e-5).</summary>
    public double Predict(ReadOnlySpan<double> x)
    {
        if (x.Length != Weights.Length)
            throw new ArgumentException($"expected {Weights.Length} features, found {x.Length}", nameof(x));
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += Weights[i] * x[i];
        return (double)BaseScore + Bias + sum;
    }
}
