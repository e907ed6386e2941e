namespace ExPecto.Core.Chromatin;

/// <summary>A point substitution inside a reference region: 0-based offset into the region and the ALT base (A,C,G,T).</summary>
public readonly record struct PointMutation(int Offset, byte Alt);

/// <summary>
/// Computes, for point mutations inside one reference region, the chromatin differences ExPecto's variant transform
/// takes: for each mutation and each shift s of <see cref="ExPecto.Core.Transforms.VariantShifts.All"/>, the
/// 2,000 bp window holding the mutation at window index 999 − s, and Δ = mean over forward and reverse-complement
/// of (alt − ref) probabilities. Engines (naive, incremental) must agree to 1e-5.
/// </summary>
public interface IMutationDeltaEngine : IDisposable
{
    /// <summary>Engine name as the CLI spells it (naive, incremental).</summary>
    string Name { get; }

    int FeatureCount { get; }

    /// <summary>
    /// Opens a session over a reference region (ASCII, region[k] = genome base at regionStart + k, 0-based).
    /// The session computes what the reference shares (windows, activations) once. For every mutation, every
    /// shifted window must lie inside the region: Offset + s − 999 ≥ 0 and Offset + s + 1000 &lt; region length.
    /// </summary>
    IMutationDeltaSession Open(ReadOnlyMemory<byte> region);

    /// <summary>
    /// As <see cref="Open(ReadOnlyMemory{byte})"/>, for a session that will be asked only for mutations at
    /// <paramref name="offsets"/> (predict-variants' SNVs of one region): the engine may compute only what those need,
    /// and may refuse other offsets. Results equal a full session's to float rounding.
    /// </summary>
    IMutationDeltaSession Open(ReadOnlyMemory<byte> region, ReadOnlySpan<int> offsets) => Open(region);

    /// <summary>
    /// Internal batches one <see cref="IMutationDeltaSession.Compute"/> call can run at once (the incremental
    /// engine's CPU threads): a caller that streams mutations passes this many batches per call to keep them all
    /// busy. Results do not depend on it. 1 unless the engine says otherwise.
    /// </summary>
    int ConcurrentBatches => 1;
}

public interface IMutationDeltaSession : IDisposable
{
    /// <summary>
    /// Fills <paramref name="deltas"/> laid out [mutations, 9 shifts, FeatureCount] (shift order as
    /// VariantShifts.All). Callers pass chunks; the engine batches internally.
    /// </summary>
    void Compute(ReadOnlySpan<PointMutation> mutations, Span<float> deltas);

    /// <summary>
    /// Says that mutations at offsets in [<paramref name="firstOffset"/>, <paramref name="lastOffset"/>] will follow
    /// (a saturation run's gene), so the session may compute the reference windows they share in one go rather than
    /// batch by batch. Optional; results agree with a session not told, to float rounding. Offsets obey
    /// <see cref="IMutationDeltaEngine.Open"/>'s contract.
    /// </summary>
    void PrepareReference(int firstOffset, int lastOffset)
    {
    }
}
