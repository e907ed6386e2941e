using ExPecto.Beluga.Weights;
using ExPecto.Core;
using ExPecto.Core.Chromatin;
using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>Builds the saturation-mutagenesis delta engines from a Beluga weight file, by the name the CLI uses.</summary>
public static class DeltaEngines
{
    public static readonly IReadOnlyList<string> Names = ["incremental", "naive"];

    /// <summary>Loads a PyTorch state dict (zip or legacy) and builds engine <paramref name="name"/> on it.</summary>
    public static IMutationDeltaEngine Create(string name, string weightsPath, DeltaEngineOptions? options = null) =>
        Create(name, PyTorchStateDictReader.Read(weightsPath), options, weightsPath);

    /// <summary>Builds engine <paramref name="name"/> for a state dict in memory (shapes are checked first).</summary>
    public static IMutationDeltaEngine Create(string name, IReadOnlyDictionary<string, TensorData> stateDict, DeltaEngineOptions? options = null, string? source = null)
    {
        BelugaShape.FromStateDict(stateDict, source).Check(stateDict, source);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (key, t) in stateDict)
                tensors[key] = torch.tensor(t.Data, t.Shape, dtype: ScalarType.Float32);
            return name switch
            {
                "incremental" => new IncrementalDeltaEngine(tensors, options),
                "naive" => new NaiveDeltaEngine(tensors, options),
                _ => throw new InputException($"--engine must be one of {string.Join(", ", Names)}, got '{name}'"),
            };
        }
        finally
        {
            // The engines copy what they need onto their device.
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
