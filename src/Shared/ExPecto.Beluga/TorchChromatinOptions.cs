namespace ExPecto.Beluga;

/// <summary>How <see cref="TorchChromatinModel"/> runs.</summary>
public sealed record TorchChromatinOptions
{
    /// <summary><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>; CUDA needs a build with <c>-p:ExPectoTorchBackend=cuda</c>.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// Intra-op CPU threads (torch.set_num_threads), null to keep libtorch's default. Process-wide: the last model
    /// created decides.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>Windows per forward pass (each runs forward and reverse complement, so 2 × this rows).</summary>
    public int BatchSize { get; init; } = 32;
}
