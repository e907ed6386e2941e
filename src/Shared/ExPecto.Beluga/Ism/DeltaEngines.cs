using ExPecto.Core.Chromatin;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>Creates a delta engine by the name the CLI uses.</summary>
public static class DeltaEngines
{
    public const string Naive = "naive";
    public const string Incremental = "incremental";

    /// <summary>Engine names, the default (incremental) first.</summary>
    public static IReadOnlyList<string> Names { get; } = [Incremental, Naive];

    /// <param name="name">"incremental" or "naive" (case-insensitive).</param>
    /// <param name="stateDict">Beluga state dict; the engine copies what it needs to the device.</param>
    public static IMutationDeltaEngine Create(string name, IReadOnlyDictionary<string, Tensor> stateDict, DeltaEngineOptions? options = null) =>
        name.ToLowerInvariant() switch
        {
            Incremental => new IncrementalDeltaEngine(stateDict, options),
            Naive => new NaiveDeltaEngine(stateDict, options),
            _ => throw new ArgumentException($"unknown delta engine '{name}'; expected one of {string.Join(", ", Names)}", nameof(name)),
        };
}
