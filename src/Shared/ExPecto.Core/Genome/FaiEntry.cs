namespace ExPecto.Core.Genome;

/// <summary>
/// One line of a samtools <c>.fai</c>: the contig name, its length in bases, the (uncompressed) byte offset of its
/// first base, the bases per full line and the bytes per full line (bases plus the line terminator).
/// </summary>
public sealed record FaiEntry(string Name, long Length, long Offset, int LineBases, int LineBytes)
{
    /// <summary>Byte offset in the uncompressed FASTA of the 0-based base <paramref name="base0"/>.</summary>
    public long FileOffset(long base0) => Offset + base0 / LineBases * LineBytes + base0 % LineBases;

    /// <summary>One past the byte offset of the last base (where the data of this record ends, terminator excluded).</summary>
    public long EndOffset => Length == 0 ? Offset : FileOffset(Length - 1) + 1;
}
