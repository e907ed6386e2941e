namespace ExPecto.Core.Models;

/// <summary>
/// The two column layouts of ExPecto's tissue models. Canonical: 20,020 columns, index k·2002 + f for decay block
/// k (0–9) and chromatin feature f (0–2001). Legacy: 20,030 columns, a zero column before each 2,002-block
/// (index k·2003 + 1 + f), which predict.py pads x with when a model's dump has 20,034 lines.
/// </summary>
public static class FeatureLayout
{
    /// <summary>Chromatin features per block (Beluga outputs).</summary>
    public const int FeaturesPerBlock = 2002;

    /// <summary>Decay blocks: 5 upstream then 5 downstream.</summary>
    public const int Blocks = 10;

    /// <summary>Length of the canonical feature vector.</summary>
    public const int CanonicalLength = Blocks * FeaturesPerBlock;

    /// <summary>Length of the legacy, zero-padded feature vector.</summary>
    public const int PaddedLength = Blocks * (FeaturesPerBlock + 1);

    /// <summary>Index in the padded layout of canonical column <paramref name="canonicalIndex"/>.</summary>
    public static int PaddedIndex(int canonicalIndex) =>
        canonicalIndex / FeaturesPerBlock * (FeaturesPerBlock + 1) + 1 + canonicalIndex % FeaturesPerBlock;

    /// <summary>
    /// Canonical weights from a model's per-feature weights (bias excluded): 20,020 copied, 20,030 with the pad
    /// columns dropped (their x is always 0, so dropping them changes no prediction).
    /// </summary>
    public static double[] ToCanonical(ReadOnlySpan<float> featureWeights)
    {
        var canonical = new double[CanonicalLength];
        if (featureWeights.Length == CanonicalLength)
        {
            for (int i = 0; i < CanonicalLength; i++) canonical[i] = featureWeights[i];
        }
        else if (featureWeights.Length == PaddedLength)
        {
            for (int i = 0; i < CanonicalLength; i++) canonical[i] = featureWeights[PaddedIndex(i)];
        }
        else
        {
            throw new ArgumentException(
                $"expected {CanonicalLength} or {PaddedLength} feature weights, found {featureWeights.Length}",
                nameof(featureWeights));
        }
        return canonical;
    }

    /// <summary>Per-feature weights in the requested layout (pad columns 0), as float32 the way XGBoost stores them.</summary>
    public static float[] FromCanonical(ReadOnlySpan<double> canonical, bool padded)
    {
        if (canonical.Length != CanonicalLength)
            throw new ArgumentException($"expected {CanonicalLength} weights, found {canonical.Length}", nameof(canonical));
        var result = new float[padded ? PaddedLength : CanonicalLength];
        for (int i = 0; i < CanonicalLength; i++) result[padded ? PaddedIndex(i) : i] = (float)canonical[i];
        return result;
    }

    /// <summary>Copies canonical x into the padded layout (pad columns 0), as predict.py does for old models.</summary>
    public static void PadFeatures(ReadOnlySpan<double> canonical, Span<double> padded)
    {
        if (canonical.Length != CanonicalLength || padded.Length != PaddedLength)
            throw new ArgumentException($"expected {CanonicalLength} → {PaddedLength} values");
        padded.Clear();
        for (int i = 0; i < CanonicalLength; i++) padded[PaddedIndex(i)] = canonical[i];
    }
}
