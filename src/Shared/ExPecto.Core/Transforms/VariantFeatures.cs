using ExPecto.Core.Models;

namespace ExPecto.Core.Transforms;

/// <summary>
/// The variant transform of ExPecto's predict.py: chromatin differences at the nine shifts folded into 10·F
/// features (F = the chromatin model's outputs, 2,002 for Beluga) with distance-binned decay weights. Conventions, as predict.py has them:
/// <list type="bullet">
/// <item>distance d = variant position − TSS (1-based, NOT strand-corrected; the negative of the closest-gene
/// file's last column, which is TSS − variant);</item>
/// <item>strand-relative offset for shift s: p = (d + s)·σ (σ = +1 for '+', −1 for '−'; negative = upstream);</item>
/// <item>W_s[k] = exp(−c_k·floor(|p|/200))·[p ≤ 0] for k = 0..4, exp(−c_{k−5}·floor(|p|/200))·[p ≥ 0] for k = 5..9;</item>
/// <item>x[k·F + f] = Σ_s W_s[k]·Δ_s[f], shifts in <see cref="VariantShifts.All"/> order.</item>
/// </list>
/// The result is a feature difference: an expression effect is w_tissue · x (base score and bias cancel).
/// </summary>
public static class VariantFeatures
{
    /// <summary>Strand-relative offset p = (d + s)·σ for distance d = pos − TSS and shift s.</summary>
    public static long RelativeOffset(long distance, int shift, int strandSign)
    {
        TssFeatures.CheckStrand(strandSign);
        return (distance + shift) * strandSign;
    }

    /// <summary>The ten block weights W_s for distance d = pos − TSS, shift s and strand σ.</summary>
    public static void ShiftWeights(long distance, int shift, int strandSign, Span<double> weights)
    {
        long p = RelativeOffset(distance, shift, strandSign);
        double bins = Math.Floor(Math.Abs(p) / (double)SpatialDecay.BinWidth);
        SpatialDecay.BlockWeights(bins, upstream: p <= 0, downstream: p >= 0, weights);
    }

    /// <summary>
    /// x (10·F) from Δ laid out [9 shifts × F] (shift order of <see cref="VariantShifts.All"/>), for a variant at
    /// distance d = pos − TSS from a gene on strand σ. F is taken from <paramref name="features"/>' length.
    /// </summary>
    public static void Compute(ReadOnlySpan<float> deltas, long distance, int strandSign, Span<double> features)
    {
        int f = FeatureLayout.FeaturesOf(features.Length);
        int shifts = VariantShifts.All.Length;
        if (deltas.Length != shifts * f)
            throw new ArgumentException($"expected {shifts} × {f} deltas for {features.Length} features, found {deltas.Length}", nameof(deltas));
        features.Clear();
        Span<double> w = stackalloc double[FeatureLayout.Blocks];
        for (int si = 0; si < shifts; si++)
        {
            ShiftWeights(distance, VariantShifts.All[si], strandSign, w);
            var delta = deltas.Slice(si * f, f);
            for (int k = 0; k < FeatureLayout.Blocks; k++)
            {
                double wk = w[k];
                if (wk == 0) continue;
                var block = features.Slice(k * f, f);
                for (int j = 0; j < f; j++) block[j] += wk * delta[j];
            }
        }
    }

    /// <summary>Allocating form of <see cref="Compute(ReadOnlySpan{float}, long, int, Span{double})"/> (F = Δ length / 9).</summary>
    public static double[] Compute(ReadOnlySpan<float> deltas, long distance, int strandSign)
    {
        int shifts = VariantShifts.All.Length;
        if (deltas.Length == 0 || deltas.Length % shifts != 0)
            throw new ArgumentException($"expected {shifts} × F deltas, found {deltas.Length}", nameof(deltas));
        var features = new double[FeatureLayout.CanonicalLength(deltas.Length / shifts)];
        Compute(deltas, distance, strandSign, features);
        return features;
    }

    /// <summary>
    /// Δ = (forward + reverse) / 2 in float32, as predict.py averages chromatin.py's two strands (numpy float32
    /// arithmetic: the sum is rounded to float32 before halving).
    /// </summary>
    public static void StrandMean(ReadOnlySpan<float> forward, ReadOnlySpan<float> reverse, Span<float> mean)
    {
        if (forward.Length != reverse.Length || mean.Length != forward.Length)
            throw new ArgumentException("forward, reverse and mean must have the same length");
        for (int i = 0; i < mean.Length; i++)
        {
            float sum = forward[i] + reverse[i];
            mean[i] = sum / 2f;
        }
    }
}
