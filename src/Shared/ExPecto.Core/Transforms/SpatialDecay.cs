using ExPecto.Core.Models;

namespace ExPecto.Core.Transforms;

/// <summary>
/// ExPecto's exponential decay basis. Block k = 0..4 weighs upstream signal (strand-relative offset ≤ 0) with
/// exp(−c_k·bins), k = 5..9 downstream (offset ≥ 0) with exp(−c_{k−5}·bins), bins = distance / 200 bp.
/// Offset 0 counts in both halves.
/// </summary>
public static class SpatialDecay
{
    /// <summary>Decay constants per 200 bp bin: 0.01, 0.02, 0.05, 0.1, 0.2.</summary>
    public static IReadOnlyList<double> Constants { get; } = [0.01, 0.02, 0.05, 0.1, 0.2];

    /// <summary>Bin width in bp.</summary>
    public const int BinWidth = 200;

    /// <summary>
    /// The ten block weights for a strand-relative offset given in whole bins (negative = upstream):
    /// w[k] = exp(−c_k·|bins|)·[bins ≤ 0] for k &lt; 5 and exp(−c_{k−5}·|bins|)·[bins ≥ 0] for k ≥ 5.
    /// </summary>
    public static void BlockWeights(double bins, bool upstream, bool downstream, Span<double> weights)
    {
        if (weights.Length != FeatureLayout.Blocks) throw new ArgumentException($"expected {FeatureLayout.Blocks} weights");
        double a = Math.Abs(bins);
        for (int k = 0; k < 5; k++)
        {
            double e = Math.Exp(-Constants[k] * a);
            weights[k] = upstream ? e : 0;
            weights[k + 5] = downstream ? e : 0;
        }
    }
}
