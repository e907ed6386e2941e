namespace ExPecto.Core.Mutagenesis;

/// <summary>
/// Enumerates a saturation scan: positions t − R..t + R in increasing order, and at each the three bases other than
/// REF in A, C, G, T order — 3·(2R + 1) mutations when every position is a real base.
/// </summary>
/// <remarks>
/// REF is the reference base upper-cased (soft-masked repeats are real sequence). Positions whose reference is not
/// A, C, G or T (N, other IUPAC codes, or beyond a chromosome end, which the runner pads with N) are skipped entirely
/// and counted: a substitution of an unknown base has no defined REF, and ExPecto's catalogue covers real bases only.
/// So a gene has 3·(2R + 1 − skipped) rows.
/// </remarks>
public static class MutationEnumerator
{
    private static readonly byte[] _bases = "ACGT"u8.ToArray();

    /// <summary>
    /// The scan for a gene. <paramref name="region"/> holds the bases of <paramref name="regionArea"/>
    /// (region[k] = genome base at regionArea.Start0 + k); it must be exactly <see cref="MutagenesisRegion.For"/>.
    /// </summary>
    public static List<SaturationMutation> Enumerate(
        ReadOnlySpan<byte> region, long regionStart0, long tss1, int radius, out int skippedPositions)
    {
        var area = MutagenesisRegion.For(tss1, radius);
        if (regionStart0 > area.Start0 || regionStart0 + region.Length < area.End0)
            throw new ArgumentException(
                $"region [{regionStart0}, {regionStart0 + region.Length}) does not cover the scan's [{area.Start0}, {area.End0})",
                nameof(region));

        var result = new List<SaturationMutation>(3 * (2 * radius + 1));
        skippedPositions = 0;
        for (long pos = tss1 - radius; pos <= tss1 + radius; pos++)
        {
            int offset = checked((int)(pos - 1 - regionStart0));
            byte reference = Upper(region[offset]);
            if (Array.IndexOf(_bases, reference) < 0)
            {
                skippedPositions++;
                continue;
            }
            foreach (byte alt in _bases)
            {
                if (alt != reference)
                    result.Add(new SaturationMutation(pos, reference, alt, offset));
            }
        }
        return result;
    }

    /// <summary>Number of mutations a scan of this gene yields (3 per real base), without listing them.</summary>
    public static int Count(ReadOnlySpan<byte> region, long regionStart0, long tss1, int radius)
    {
        var area = MutagenesisRegion.For(tss1, radius);
        if (regionStart0 > area.Start0 || regionStart0 + region.Length < area.End0)
            throw new ArgumentException("region does not cover the scan", nameof(region));
        int first = checked((int)(tss1 - radius - 1 - regionStart0));
        int count = 0;
        foreach (byte b in region.Slice(first, 2 * radius + 1))
        {
            if (Array.IndexOf(_bases, Upper(b)) >= 0) count += 3;
        }
        return count;
    }

    private static byte Upper(byte b) => b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b;
}
