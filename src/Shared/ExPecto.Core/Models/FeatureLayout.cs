namespace ExPecto.Core.Models;

/// <summary>
/// The two column layouts of ExPecto's tissue models for a chromatin model with F outputs (F comes from the
/// weight file: 2,002 for the published Beluga). Canonical: 10·F columns, index k·F + f for decay block k (0–9)
/// and chromatin feature f (0…F−1). Padded (ExPecto 2018): 10·(F+1) columns, a zero column before each F-block
/// (index k·(F+1) + 1 + f), which predict.py pads x with when a model's dump has 10·(F+1) + 4 lines.
/// </summary>
public static class FeatureLayout
{
    /// <summary>Decay blocks: 5 upstream then 5 downstream.</summary>
    public const int Blocks = 10;

    /// <summary>Length of the canonical feature vector for F chromatin features: 10·F.</summary>
    public static int CanonicalLength(int features) => Blocks * CheckFeatures(features);

    /// <summary>Length of the legacy, zero-padded feature vector for F chromatin features: 10·(F+1).</summary>
    public static int PaddedLength(int features) => Blocks * (CheckFeatures(features) + 1);

    /// <summary>F for a canonical vector of <paramref name="canonicalLength"/> (10·F) values.</summary>
    public static int FeaturesOf(int canonicalLength)
    {
        if (canonicalLength <= 0 || canonicalLength % Blocks != 0)
            throw new ArgumentException($"a canonical feature vector has 10·F values (F ≥ 1), found {canonicalLength}");
        return canonicalLength / Blocks;
    }

    /// <summary>Index in the padded layout of canonical column <paramref name="canonicalIndex"/>.</summary>
    public static int PaddedIndex(int canonicalIndex, int features) =>
        canonicalIndex / features * (features + 1) + 1 + canonicalIndex % features;

    /// <summary>
    /// Canonical weights (10·F) from a model's per-feature weights (bias excluded): 10·F copied, 10·(F+1) with the
    /// pad columns dropped (their x is always 0, so dropping them changes no prediction).
    /// </summary>
    public static double[] ToCanonical(ReadOnlySpan<float> featureWeights, int features)
    {
        int canonicalLength = CanonicalLength(features), paddedLength = PaddedLength(features);
        var canonical = new double[canonicalLength];
        if (featureWeights.Length == canonicalLength)
        {
            for (int i = 0; i < canonicalLength; i++) canonical[i] = featureWeights[i];
        }
        else if (featureWeights.Length == paddedLength)
        {
            for (int i = 0; i < canonicalLength; i++) canonical[i] = featureWeights[PaddedIndex(i, features)];
        }
        else
        {
            throw new ArgumentException(
                $"expected {canonicalLength} or {paddedLength} feature weights, found {featureWeights.Length}",
                nameof(featureWeights));
        }
        return canonical;
    }

    /// <summary>
    /// Per-feature weights in the requested layout (pad columns 0), as float32 the way XGBoost stores them;
    /// F = canonical length / 10.
    /// </summary>
    public static float[] FromCanonical(ReadOnlySpan<double> canonical, bool padded)
    {
        int f = FeaturesOf(canonical.Length);
        var result = new float[padded ? PaddedLength(f) : canonical.Length];
        for (int i = 0; i < canonical.Length; i++) result[padded ? PaddedIndex(i, f) : i] = (float)canonical[i];
        return result;
    }

    /// <summary>Copies canonical x (10·F) into the padded layout (10·(F+1), pad columns 0), as predict.py does for old models.</summary>
    public static void PadFeatures(ReadOnlySpan<double> canonical, Span<double> padded)
    {
        int f = FeaturesOf(canonical.Length);
        if (padded.Length != PaddedLength(f))
            throw new ArgumentException($"expected {canonical.Length} → {PaddedLength(f)} values, found {padded.Length}");
        padded.Clear();
        for (int i = 0; i < canonical.Length; i++) padded[PaddedIndex(i, f)] = canonical[i];
    }

    private static int CheckFeatures(int features)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        return features;
    }
}
