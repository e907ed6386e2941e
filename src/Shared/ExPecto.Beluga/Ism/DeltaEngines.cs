using ExPecto.Beluga.Weights;
using ExPecto.Core;
using ExPecto.Core.Chromatin;
using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>Creates a delta engine by the name the CLI uses.</summary>
public static class DeltaEngines
{
    public const string Naive = "naive";
    public const string Incremental = "incremental";

    /// <summary>Engine names, the default (incremental) first.</summary>
    public static IReadOnlyList<string> Names { get; } = [Incremental, Naive];

    /// <summary>
    /// Mutations per internal batch that engine <paramref name="name"/> uses with <paramref name="options"/>: the set
    /// value, else its default (the device kind's for the incremental engine; the naive engine's own, which bounds the
    /// memory of its 18 full windows per mutation).
    /// </summary>
    public static int MutationsPerBatch(string name, DeltaEngineOptions options) =>
        options.MutationsPerBatch > 0 ? options.MutationsPerBatch
        : string.Equals(name, Naive, StringComparison.OrdinalIgnoreCase) ? NaiveDeltaEngine.DefaultMutationsPerBatch
        : options.ResolvedMutationsPerBatch;

    /// <param name="name">"incremental" or "naive" (case-insensitive).</param>
    /// <param name="stateDict">Beluga state dict; the engine copies what it needs to the device.</param>
    public static IMutationDeltaEngine Create(string name, IReadOnlyDictionary<string, Tensor> stateDict, DeltaEngineOptions? options = null) =>
        name.ToLowerInvariant() switch
        {
            Incremental => new IncrementalDeltaEngine(stateDict, options),
            Naive => new NaiveDeltaEngine(stateDict, options),
            _ => throw new InputException($"unknown engine '{name}'; expected one of {string.Join(", ", Names)}"),
        };

    /// <summary>Loads a PyTorch state dict (zip or legacy) and builds engine <paramref name="name"/> on it.</summary>
    public static IMutationDeltaEngine Create(string name, string weightsPath, DeltaEngineOptions? options = null) =>
        Create(name, PyTorchStateDictReader.Read(weightsPath), options, weightsPath);

    /// <summary>Builds engine <paramref name="name"/> for a state dict in memory (shapes are checked first).</summary>
    public static IMutationDeltaEngine Create(string name, IReadOnlyDictionary<string, TensorData> stateDict, DeltaEngineOptions? options = null, string? source = null)
    {
        if (!Names.Contains(name.ToLowerInvariant()))
            throw new InputException($"unknown engine '{name}'; expected one of {string.Join(", ", Names)}");
        BelugaShape.FromStateDict(stateDict, source).Check(stateDict, source);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (key, t) in stateDict)
                tensors[key] = torch.tensor(t.Data, t.Shape, dtype: ScalarType.Float32);
            return Create(name, tensors, options);
        }
        finally
        {
            // The engines copy what they need onto their device.
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
