using ExPecto.Core.Models;

namespace ExPecto.Core.Transforms;

/// <summary>
/// ExPecto's expression features for one gene: 200 windows around the representative TSS, folded with the decay
/// basis into 10·F features (index k·F + f; F = the chromatin model's outputs, 2,002 for Beluga). Coordinates are 1-based; strand σ = +1 or −1. Minus-strand genes
/// are not reverse-complemented: only the offsets mirror.
/// </summary>
public static class TssFeatures
{
    /// <summary>Windows per gene.</summary>
    public const int WindowCount = 200;

    /// <summary>Strand-relative offset of the first window (bp); window i has offset −20000 + 200·i.</summary>
    public const int FirstOffset = -20000;

    /// <summary>Strand-relative offset of window i: −20000, −19800, …, 19800.</summary>
    public static int Offset(int window)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(window);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(window, WindowCount);
        return FirstOffset + SpatialDecay.BinWidth * window;
    }

    /// <summary>
    /// The 200 window centres (1-based) for TSS t on strand σ: centre_i = t + Offset(i)·σ, in window order
    /// (upstream first, in the gene's own direction).
    /// </summary>
    public static long[] WindowCentres(long tss, int strandSign)
    {
        CheckStrand(strandSign);
        var centres = new long[WindowCount];
        for (int i = 0; i < WindowCount; i++) centres[i] = tss + (long)Offset(i) * strandSign;
        return centres;
    }

    /// <summary>The 2,000 bp window of a centre: the 1-based closed interval [c − 999, c + 1000] of the + strand.</summary>
    public static (long Start, long End) Window(long centre) => (centre - 999, centre + 1000);

    /// <summary>Weight of window i in block k: exp(−c·|s|/200) on the block's side of the TSS, else 0.</summary>
    public static double Weight(int block, int window)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(block);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(block, FeatureLayout.Blocks);
        int s = Offset(window);
        bool onSide = block < 5 ? s <= 0 : s >= 0;
        return onSide ? Math.Exp(-SpatialDecay.Constants[block % 5] * Math.Abs(s) / SpatialDecay.BinWidth) : 0;
    }

    /// <summary>
    /// X[k·F + f] = Σ_i Weight(k, i)·pred[i, f]. <paramref name="predictions"/> is [200 × F] row-major in
    /// window order (fwd/rc mean probabilities); <paramref name="features"/> receives 10·F values.
    /// </summary>
    public static void Fold(ReadOnlySpan<float> predictions, Span<double> features)
    {
        int f = FeatureLayout.FeaturesOf(features.Length);
        if (predictions.Length != WindowCount * f)
            throw new ArgumentException($"expected {WindowCount} × {f} predictions for {features.Length} features, found {predictions.Length}", nameof(predictions));
        features.Clear();
        for (int k = 0; k < FeatureLayout.Blocks; k++)
        {
            var block = features.Slice(k * f, f);
            for (int i = 0; i < WindowCount; i++)
            {
                double w = Weight(k, i);
                if (w == 0) continue;
                var row = predictions.Slice(i * f, f);
                for (int j = 0; j < f; j++) block[j] += w * row[j];
            }
        }
    }

    /// <summary>Allocating form of <see cref="Fold"/> (F = predictions / 200).</summary>
    public static double[] Fold(ReadOnlySpan<float> predictions)
    {
        if (predictions.Length == 0 || predictions.Length % WindowCount != 0)
            throw new ArgumentException($"expected {WindowCount} × F predictions, found {predictions.Length}", nameof(predictions));
        var features = new double[FeatureLayout.CanonicalLength(predictions.Length / WindowCount)];
        Fold(predictions, features);
        return features;
    }

    internal static void CheckStrand(int strandSign)
    {
        if (strandSign is not (1 or -1))
            throw new ArgumentOutOfRangeException(nameof(strandSign), strandSign, "strand must be +1 or −1");
    }
}
