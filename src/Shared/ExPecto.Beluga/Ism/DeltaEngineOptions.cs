using ExPecto.Core.Chromatin;

namespace ExPecto.Beluga.Ism;

/// <summary>Settings shared by the saturation-mutagenesis delta engines.</summary>
public sealed record DeltaEngineOptions
{
    /// <summary>Torch device the network and activations live on: "cpu" (default), "cuda" or "cuda:N".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// Mutations handled per internal batch. Each mutation costs 9 shifts × 2 strands windows, so the naive engine
    /// runs 18 × this many full windows per forward pass; the incremental engine updates this many mutations at once.
    /// Bounds peak memory; the result does not depend on it.
    /// </summary>
    public int MutationsPerBatch { get; init; } = 16;

    /// <summary>
    /// Arithmetic of the network (<see cref="ComputePrecision"/>); fp32 is the exact path. The engine refuses a
    /// precision its device cannot run (<see cref="TorchDevices.CheckPrecision"/>).
    /// </summary>
    public ComputePrecision Precision { get; init; } = ComputePrecision.Fp32;
}
