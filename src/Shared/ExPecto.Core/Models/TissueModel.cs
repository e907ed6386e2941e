namespace ExPecto.Core.Models;

/// <summary>
/// One tissue's ExPecto expression model: log expression = <see cref="BaseScore"/> + <see cref="Bias"/> + w·x,
/// with x the 20,020 canonical features (<see cref="FeatureLayout"/>). Immutable after construction; thread-safe.
/// </summary>
public sealed class TissueModel
{
    private readonly double[] _weights;

    /// <param name="weights">20,020 canonical weights (index k·2002 + f); copied.</param>
    public TissueModel(string name, double baseScore, double bias, ReadOnlySpan<double> weights)
    {
        if (weights.Length != FeatureLayout.CanonicalLength)
            throw new ArgumentException($"expected {FeatureLayout.CanonicalLength} weights, found {weights.Length}", nameof(weights));
        Name = name;
        BaseScore = baseScore;
        Bias = bias;
        _weights = weights.ToArray();
    }

    /// <summary>Tissue name (the modellist's Tissue column).</summary>
    public string Name { get; }

    public double BaseScore { get; }

    public double Bias { get; }

    /// <summary>Canonical weights, 20,020 long, index k·2002 + f.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>
    /// From a file's model: 20,030 (padded, pad columns dropped) or 20,020 features. Throws
    /// <see cref="InputException"/> for any other count.
    /// </summary>
    public static TissueModel FromXgb(string name, XgbLinearModel model, string? source = null)
    {
        if (model.NumFeature is not (FeatureLayout.CanonicalLength or FeatureLayout.PaddedLength))
            throw new InputException(source, null,
                $"expected an ExPecto model with {FeatureLayout.CanonicalLength} or {FeatureLayout.PaddedLength} features, found {model.NumFeature}");
        return new TissueModel(name, model.BaseScore, model.Bias, FeatureLayout.ToCanonical(model.Weights));
    }

    /// <summary>Loads one model file (any supported format) under the given tissue name.</summary>
    public static TissueModel Load(string path, string name) => FromXgb(name, XgbModelFile.Load(path), path);

    /// <summary>The file model, float32 as XGBoost stores it, in the padded (ExPecto 2018) or canonical layout.</summary>
    public XgbLinearModel ToXgb(bool paddedLayout, int boostedRounds = 0) =>
        new((float)BaseScore, (float)Bias, FeatureLayout.FromCanonical(_weights, paddedLayout), "reg:linear", boostedRounds);

    /// <summary>Predicted log expression for canonical features x (20,020).</summary>
    public double Predict(ReadOnlySpan<double> x) => BaseScore + Bias + Dot(x);

    /// <summary>w·x: the expression effect of a feature difference x (base score and bias cancel), natural log.</summary>
    public double Dot(ReadOnlySpan<double> x)
    {
        if (x.Length != FeatureLayout.CanonicalLength)
            throw new ArgumentException($"expected {FeatureLayout.CanonicalLength} features, found {x.Length}", nameof(x));
        return Effects.SimdMath.Dot(_weights, x);
    }
}
