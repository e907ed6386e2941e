namespace ExPecto.Core.Chromatin;

/// <summary>
/// A sequence → chromatin-feature predictor (Beluga or a stand-in).
/// Implementations are not thread-safe: call from one thread (TorchSharp scopes are per thread).
/// </summary>
public interface IChromatinModel : IDisposable
{
    /// <summary>Window length in bp the model takes (2,000 for Beluga).</summary>
    int WindowLength { get; }

    /// <summary>Number of chromatin features the model outputs (2,002 for Beluga).</summary>
    int FeatureCount { get; }

    /// <summary>
    /// Predicts a batch of windows. <paramref name="windows"/> holds <c>count</c> ASCII sequences of
    /// <see cref="WindowLength"/> bytes each, back to back (A,C,G,T in either case; anything else = no base).
    /// <paramref name="output"/> receives [count, FeatureCount] probabilities, the mean of the forward and the
    /// reverse-complement predictions, row-major.
    /// </summary>
    void Predict(ReadOnlySpan<byte> windows, int count, Span<float> output);
}
