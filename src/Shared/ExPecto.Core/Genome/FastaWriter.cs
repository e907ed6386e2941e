using ExPecto.Core.Output;
namespace ExPecto.Core.Genome;

/// <summary>One FASTA record: a name (no whitespace) and its bases (ASCII).</summary>
public sealed record FastaRecord(string Name, ReadOnlyMemory<byte> Sequence);

/// <summary>
/// Writes FASTA with its samtools indexes: plain (<c>.fa</c> + <c>.fa.fai</c>) or BGZF (<c>.fa.gz</c> +
/// <c>.fa.gz.fai</c> + <c>.fa.gz.gzi</c>). Every file is written to a temp name in the same folder and renamed;
/// the indexes are renamed before the FASTA, whose appearance marks the set complete.
/// </summary>
public static class FastaWriter
{
    /// <summary>Writes an uncompressed FASTA and its <c>.fai</c>.</summary>
    public static IReadOnlyList<FaiEntry> WritePlain(string path, IEnumerable<FastaRecord> records, int lineBases = 60) =>
        Write(path, records, lineBases, bgzf: false);

    /// <summary>Writes a BGZF FASTA, its <c>.fai</c> (uncompressed offsets) and its <c>.gzi</c>.</summary>
    public static IReadOnlyList<FaiEntry> WriteBgzf(string path, IEnumerable<FastaRecord> records, int lineBases = 60) =>
        Write(path, records, lineBases, bgzf: true);

    private static IReadOnlyList<FaiEntry> Write(string path, IEnumerable<FastaRecord> records, int lineBases, bool bgzf)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lineBases, 1);
        string tmp = AtomicFile.TempPathFor(path);
        var entries = new List<FaiEntry>();
        try
        {
            BgzfWriter? bgzfWriter = null;
            using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Stream output = file;
                if (bgzf)
                    output = bgzfWriter = new BgzfWriter(file, leaveOpen: true);
                long offset = 0;
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (FastaRecord r in records)
                {
                    if (r.Name.Length == 0 || r.Name.Any(char.IsWhiteSpace) || !names.Add(r.Name))
                        throw new ArgumentException($"FASTA record name '{r.Name}' is empty, has whitespace or is repeated");
                    byte[] header = System.Text.Encoding.ASCII.GetBytes($">{r.Name}\n");
                    output.Write(header);
                    offset += header.Length;
                    entries.Add(new FaiEntry(r.Name, r.Sequence.Length, offset, lineBases, lineBases + 1));
                    ReadOnlySpan<byte> seq = r.Sequence.Span;
                    for (int i = 0; i < seq.Length; i += lineBases)
                    {
                        int n = Math.Min(lineBases, seq.Length - i);
                        output.Write(seq.Slice(i, n));
                        output.WriteByte((byte)'\n');
                        offset += n + 1;
                    }
                }
                bgzfWriter?.Dispose();
                file.Flush(flushToDisk: true);
            }
            FastaIndex.Write(path + ".fai", entries);
            bgzfWriter?.WriteGzi(path + ".gzi");
            File.Move(tmp, path, overwrite: true);
            return entries;
        }
        catch
        {
            AtomicFile.TryDelete(tmp);
            throw;
        }
    }
}
