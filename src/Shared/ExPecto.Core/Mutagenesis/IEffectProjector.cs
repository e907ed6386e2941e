namespace ExPecto.Core.Mutagenesis;

/// <summary>
/// Turns chromatin differences into expression effects: ExPecto's variant transform (9 shifts, exponential
/// distance weights) followed by every tissue model. Implementations need not be thread-safe.
/// </summary>
public interface IEffectProjector
{
    /// <summary>Tissue names in model order; they become the effect column names, verbatim (spaces allowed).</summary>
    IReadOnlyList<string> TissueNames { get; }

    /// <summary>Chromatin features per shift the projector expects (2,002 for Beluga).</summary>
    int FeatureCount { get; }

    /// <summary>
    /// For n = <paramref name="distances"/>.Length mutations: <paramref name="deltas"/> is [n, 9 shifts, FeatureCount]
    /// (shift order as VariantShifts.All), <paramref name="distances"/>[i] = pos − TSS in bp (not strand-corrected),
    /// <paramref name="strand"/> is +1 or −1. Fills <paramref name="effects"/> [n, TissueNames.Count] row-major with
    /// natural-log fold changes.
    /// </summary>
    void Project(ReadOnlySpan<float> deltas, ReadOnlySpan<int> distances, int strand, Span<float> effects);
}
