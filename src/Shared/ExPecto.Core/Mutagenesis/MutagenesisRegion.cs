using ExPecto.Core.Transforms;

namespace ExPecto.Core.Mutagenesis;

/// <summary>
/// The reference stretch one gene's scan needs: every shifted 2,000 bp window of every mutated position.
/// <see cref="Start0"/> is a 0-based genome coordinate (may be negative near a chromosome start), the region is
/// the half-open interval [Start0, Start0 + Length).
/// </summary>
/// <remarks>
/// A mutation at 1-based position p (0-based p − 1) sits at index 999 − s of the window for shift s, so that window
/// is [p − 1000 + s, p + 1000 + s) 0-based. Over s ∈ [−800, 800] and p ∈ [t − R, t + R] the union is
/// [t − R − 1800, t + R + 1800): length 2R + 3,600 (5,600 bp for R = 1,000).
/// </remarks>
public readonly record struct MutagenesisRegion(long Start0, int Length)
{
    /// <summary>Window length of the chromatin model the shift contract is written for.</summary>
    public const int WindowLength = 2000;

    /// <summary>Bases needed left of the first mutated position (0-based distance): 999 − min shift.</summary>
    public static int LeftFlank { get; } = VariantShifts.CentreIndex - VariantShifts.All.Min();

    /// <summary>Bases needed right of the last mutated position: (1999 − 999) + max shift.</summary>
    public static int RightFlank { get; } = WindowLength - 1 - VariantShifts.CentreIndex + VariantShifts.All.Max();

    /// <summary>One past the last 0-based coordinate.</summary>
    public long End0 => Start0 + Length;

    /// <summary>The region for a gene with 1-based TSS <paramref name="tss1"/> and radius R (positions t − R..t + R).</summary>
    public static MutagenesisRegion For(long tss1, int radius)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        long firstPos0 = tss1 - radius - 1;
        long lastPos0 = tss1 + radius - 1;
        long start0 = firstPos0 - LeftFlank;
        long end0 = lastPos0 + RightFlank + 1;
        return new MutagenesisRegion(start0, checked((int)(end0 - start0)));
    }
}
