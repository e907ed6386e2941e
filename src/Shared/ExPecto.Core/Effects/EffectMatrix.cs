using ExPecto.Core.Models;

namespace ExPecto.Core.Effects;

/// <summary>
/// The tissue weights stacked as a [T × F] float64 matrix (F = 10 × chromatin outputs: 20,020 for Beluga), so that effects for many
/// feature vectors are one blocked matrix product: effects[i, t] = w_t · x_i, a natural-log fold change (base score
/// and bias cancel). Immutable; <see cref="Compute(ReadOnlySpan{double}, int, Span{double})"/> is thread-safe.
/// </summary>
public sealed class EffectMatrix
{
    // Column chunk × tissue block: 16 weight rows of 1,024 doubles (128 KiB) stay in L2 while all x rows sweep them.
    private const int ColumnChunk = 1024;
    private const int TissueBlock = 16;

    private readonly double[] _weights;

    public EffectMatrix(TissueModelSet models)
        : this(models.Models.Select(m => m.Name).ToArray(), Stack(models), FeatureLayout.CanonicalLength(models.ChromatinFeatures))
    {
    }

    /// <param name="tissueNames">T names</param>
    /// <param name="weights">[T × featureCount] row-major; not copied</param>
    /// <param name="featureCount">F</param>
    public EffectMatrix(IReadOnlyList<string> tissueNames, double[] weights, int featureCount)
    {
        if (featureCount <= 0 || weights.Length != tissueNames.Count * featureCount)
            throw new ArgumentException($"expected {tissueNames.Count} × {featureCount} weights, found {weights.Length}");
        TissueNames = tissueNames;
        FeatureCount = featureCount;
        _weights = weights;
    }

    public IReadOnlyList<string> TissueNames { get; }

    public int TissueCount => TissueNames.Count;

    public int FeatureCount { get; }

    /// <summary>Row t: tissue t's weights.</summary>
    public ReadOnlySpan<double> Row(int tissue) => _weights.AsSpan(tissue * FeatureCount, FeatureCount);

    /// <summary>Effects of one feature vector x (F) into <paramref name="effects"/> (T).</summary>
    public void Compute(ReadOnlySpan<double> x, Span<double> effects) => Compute(x, 1, effects);

    /// <summary>
    /// effects [n × T] = X [n × F] · Wᵀ, both row-major. Blocked over columns and tissues with a 2 × 4 register
    /// kernel; summation order differs from a plain loop only at the 1e-16 relative level.
    /// </summary>
    public void Compute(ReadOnlySpan<double> x, int n, Span<double> effects)
    {
        int f = FeatureCount, t = TissueCount;
        if (n < 0 || x.Length != (long)n * f) throw new ArgumentException($"expected {n} × {f} features, found {x.Length}", nameof(x));
        if (effects.Length != (long)n * t) throw new ArgumentException($"expected {n} × {t} effects, found {effects.Length}", nameof(effects));
        effects.Clear();
        ReadOnlySpan<double> w = _weights;
        Span<double> out0 = stackalloc double[4];
        Span<double> out1 = stackalloc double[4];
        for (int c0 = 0; c0 < f; c0 += ColumnChunk)
        {
            int cl = Math.Min(ColumnChunk, f - c0);
            for (int t0 = 0; t0 < t; t0 += TissueBlock)
            {
                int t1 = Math.Min(t, t0 + TissueBlock);
                for (int i = 0; i < n; i += 2)
                {
                    // An odd last row is paired with itself; its second copy of the results is dropped.
                    int i1 = Math.Min(i + 1, n - 1);
                    var x0 = x.Slice(i * f + c0, cl);
                    var x1 = x.Slice(i1 * f + c0, cl);
                    int tt = t0;
                    for (; tt + 4 <= t1; tt += 4)
                    {
                        out0.Clear();
                        out1.Clear();
                        SimdMath.Dot2x4(x0, x1,
                            w.Slice(tt * f + c0, cl), w.Slice((tt + 1) * f + c0, cl),
                            w.Slice((tt + 2) * f + c0, cl), w.Slice((tt + 3) * f + c0, cl), out0, out1);
                        for (int k = 0; k < 4; k++)
                        {
                            effects[i * t + tt + k] += out0[k];
                            if (i1 != i) effects[i1 * t + tt + k] += out1[k];
                        }
                    }
                    for (; tt < t1; tt++)
                    {
                        var wr = w.Slice(tt * f + c0, cl);
                        effects[i * t + tt] += SimdMath.Dot(x0, wr);
                        if (i1 != i) effects[i1 * t + tt] += SimdMath.Dot(x1, wr);
                    }
                }
            }
        }
    }

    /// <summary>
    /// As <see cref="Compute(ReadOnlySpan{double}, int, Span{double})"/>, with row blocks spread over up to
    /// <paramref name="maxDegreeOfParallelism"/> threads (results identical to the serial call).
    /// </summary>
    public void Compute(ReadOnlyMemory<double> x, int n, Memory<double> effects, int maxDegreeOfParallelism)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        int f = FeatureCount, t = TissueCount;
        if (n < 0 || x.Length != (long)n * f) throw new ArgumentException($"expected {n} × {f} features, found {x.Length}", nameof(x));
        if (effects.Length != (long)n * t) throw new ArgumentException($"expected {n} × {t} effects, found {effects.Length}", nameof(effects));
        const int rowsPerTask = 16;
        int tasks = (n + rowsPerTask - 1) / rowsPerTask;
        if (maxDegreeOfParallelism == 1 || tasks <= 1)
        {
            Compute(x.Span, n, effects.Span);
            return;
        }
        Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, b =>
        {
            int start = b * rowsPerTask, count = Math.Min(rowsPerTask, n - start);
            Compute(x.Span.Slice(start * f, count * f), count, effects.Span.Slice(start * t, count * t));
        });
    }

    private static double[] Stack(TissueModelSet models)
    {
        int f = FeatureLayout.CanonicalLength(models.ChromatinFeatures);
        var weights = new double[models.Count * f];
        for (int t = 0; t < models.Count; t++) models[t].Weights.CopyTo(weights.AsSpan(t * f, f));
        return weights;
    }
}
