namespace ExPecto.Core.Models;

/// <summary>
/// One tissue's ExPecto expression model: log expression = <see cref="BaseScore"/> + <see cref="Bias"/> + w·x,
/// with x the 10·F canonical features (<see cref="FeatureLayout"/>; F = the chromatin model's outputs, 2,002 for the
/// published Beluga). Immutable after construction; thread-safe.
/// </summary>
public sealed class TissueModel
{
    private readonly double[] _weights;

    /// <param name="weights">10·F canonical weights (index k·F + f); copied.</param>
    public TissueModel(string name, double baseScore, double bias, ReadOnlySpan<double> weights)
    {
        ChromatinFeatures = FeatureLayout.FeaturesOf(weights.Length);
        Name = name;
        BaseScore = baseScore;
        Bias = bias;
        _weights = weights.ToArray();
    }

    /// <summary>Tissue name (the modellist's Tissue column).</summary>
    public string Name { get; }

    public double BaseScore { get; }

    public double Bias { get; }

    /// <summary>F: the chromatin features per decay block this model was trained on.</summary>
    public int ChromatinFeatures { get; }

    /// <summary>Canonical weights, 10·F long, index k·F + f.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>
    /// From a file's model, for a chromatin model with <paramref name="chromatinFeatures"/> (F) outputs: 10·F
    /// (canonical) or 10·(F+1) (padded, pad columns dropped) features. Throws <see cref="InputException"/> naming
    /// the file and both expected counts for any other count.
    /// </summary>
    public static TissueModel FromXgb(string name, XgbLinearModel model, int chromatinFeatures, string? source = null)
    {
        int canonical = FeatureLayout.CanonicalLength(chromatinFeatures), padded = FeatureLayout.PaddedLength(chromatinFeatures);
        if (model.NumFeature != canonical && model.NumFeature != padded)
            throw new InputException(source, null,
                $"tissue model has {model.NumFeature} feature columns; the chromatin model has {chromatinFeatures} outputs, " +
                $"so expected {canonical} (10·{chromatinFeatures}, canonical) or {padded} (10·{chromatinFeatures + 1}, padded)");
        return new TissueModel(name, model.BaseScore, model.Bias, FeatureLayout.ToCanonical(model.Weights, chromatinFeatures));
    }

    /// <summary>Loads one model file (any supported format) under the given tissue name, for F chromatin outputs.</summary>
    public static TissueModel Load(string path, string name, int chromatinFeatures) =>
        FromXgb(name, XgbModelFile.Load(path), chromatinFeatures, path);

    /// <summary>The file model, float32 as XGBoost stores it, in the padded (ExPecto 2018) or canonical layout.</summary>
    public XgbLinearModel ToXgb(bool paddedLayout, int boostedRounds = 0) =>
        new((float)BaseScore, (float)Bias, FeatureLayout.FromCanonical(_weights, paddedLayout), "reg:linear", boostedRounds);

    /// <summary>Predicted log expression for canonical features x (10·F).</summary>
    public double Predict(ReadOnlySpan<double> x) => BaseScore + Bias + Dot(x);

    /// <summary>w·x: the expression effect of a feature difference x (base score and bias cancel), natural log.</summary>
    public double Dot(ReadOnlySpan<double> x)
    {
        if (x.Length != _weights.Length)
            throw new ArgumentException($"expected {_weights.Length} features, found {x.Length}", nameof(x));
        return Effects.SimdMath.Dot(_weights, x);
    }
}
