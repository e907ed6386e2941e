using ExPecto.Core.Models;
using ExPecto.Core.Mutagenesis;

namespace ExPecto.Core.Effects;

/// <summary>
/// The mutagenesis pipeline's projector: ExPecto's 9-shift variant transform and every tissue model
/// (<see cref="VariantEffects"/>), float64 inside, float32 out. Not thread-safe (one per engine thread).
/// </summary>
public sealed class ExpectoEffectProjector : IEffectProjector
{
    private readonly VariantEffects _effects;
    private long[] _distances = [];
    private double[] _buffer = [];

    public ExpectoEffectProjector(TissueModelSet models, int chunkSize = 64)
    {
        _effects = new VariantEffects(new EffectMatrix(models), chunkSize);
        TissueNames = models.TissueNames.ToList();
        FeatureCount = models.ChromatinFeatures;
    }

    public IReadOnlyList<string> TissueNames { get; }

    /// <summary>F, the chromatin outputs the tissue models were built for.</summary>
    public int FeatureCount { get; }

    public void Project(ReadOnlySpan<float> deltas, ReadOnlySpan<int> distances, int strand, Span<float> effects)
    {
        int n = distances.Length, t = TissueNames.Count;
        if (_distances.Length < n) _distances = new long[n];
        if (_buffer.Length < n * t) _buffer = new double[n * t];
        for (int i = 0; i < n; i++) _distances[i] = distances[i];
        _effects.Compute(deltas, _distances.AsSpan(0, n), strand, _buffer.AsSpan(0, n * t));
        for (int i = 0; i < n * t; i++) effects[i] = (float)_buffer[i];
    }
}
