using ExPecto.Core.Models;
using ExPecto.Core.Transforms;

namespace ExPecto.Core.Effects;

/// <summary>
/// Expression effects of variants from their chromatin differences: the variant transform
/// (<see cref="VariantFeatures"/>) followed by the effect matrix product, in chunks so the [chunk × 10·F]
/// feature buffer stays small. Not thread-safe (it reuses its buffer); use one per thread.
/// </summary>
public sealed class VariantEffects
{
    private readonly int _chromatinFeatures;
    private readonly int _deltaLength;
    private readonly EffectMatrix _matrix;
    private readonly double[] _features;
    private readonly int _chunk;

    /// <param name="matrix">tissue weights; FeatureCount must be 10·F for the chromatin model's F outputs</param>
    /// <param name="chunkSize">variants transformed per matrix product</param>
    public VariantEffects(EffectMatrix matrix, int chunkSize = 64)
    {
        _chromatinFeatures = FeatureLayout.FeaturesOf(matrix.FeatureCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        _matrix = matrix;
        _chunk = chunkSize;
        _deltaLength = VariantShifts.All.Length * _chromatinFeatures;
        _features = new double[chunkSize * matrix.FeatureCount];
    }

    public int TissueCount => _matrix.TissueCount;

    /// <summary>F: chromatin features per shift in the Δ this takes.</summary>
    public int ChromatinFeatures => _chromatinFeatures;

    /// <summary>
    /// effects [m × T] (natural-log fold change) for m variants of one gene on strand σ.
    /// <paramref name="deltas"/> is [m × 9 × F] (the layout IMutationDeltaEngine fills, shifts in
    /// <see cref="VariantShifts.All"/> order); <paramref name="distances"/> holds pos − TSS per variant (1-based,
    /// not strand-corrected).
    /// </summary>
    public void Compute(ReadOnlySpan<float> deltas, ReadOnlySpan<long> distances, int strandSign, Span<double> effects)
    {
        int m = distances.Length, t = _matrix.TissueCount;
        if (deltas.Length != (long)m * _deltaLength)
            throw new ArgumentException($"expected {m} × 9 × {_chromatinFeatures} deltas, found {deltas.Length}", nameof(deltas));
        if (effects.Length != (long)m * t)
            throw new ArgumentException($"expected {m} × {t} effects, found {effects.Length}", nameof(effects));
        int f = _matrix.FeatureCount;
        for (int start = 0; start < m; start += _chunk)
        {
            int count = Math.Min(_chunk, m - start);
            for (int i = 0; i < count; i++)
            {
                VariantFeatures.Compute(deltas.Slice((start + i) * _deltaLength, _deltaLength), distances[start + i], strandSign,
                    _features.AsSpan(i * f, f));
            }
            _matrix.Compute(_features.AsSpan(0, count * f), count, effects.Slice(start * t, count * t));
        }
    }
}

/// <summary>
/// Gene-wise variation potential from saturation-mutagenesis effects: per tissue, Σ effects (directionality) and
/// Σ |effects| (magnitude) over the mutations.
/// </summary>
public static class VariationPotential
{
    /// <summary>Adds the column sums of effects [m × T] into the two T-long accumulators.</summary>
    public static void Accumulate(ReadOnlySpan<double> effects, int tissueCount, Span<double> directionality, Span<double> magnitude)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tissueCount, 1);
        if (effects.Length % tissueCount != 0) throw new ArgumentException("effects is not [m × T]", nameof(effects));
        if (directionality.Length != tissueCount || magnitude.Length != tissueCount)
            throw new ArgumentException($"expected accumulators of {tissueCount}");
        for (int o = 0; o < effects.Length; o += tissueCount)
        {
            var row = effects.Slice(o, tissueCount);
            for (int k = 0; k < tissueCount; k++)
            {
                directionality[k] += row[k];
                magnitude[k] += Math.Abs(row[k]);
            }
        }
    }
}
