using System.Buffers;
using System.Text;


namespace ExPecto.Core.Genome;

/// <summary>
/// A reference genome read at random through its samtools indexes: a plain FASTA + <c>.fai</c>, or a BGZF FASTA
/// + <c>.fai</c> + <c>.gzi</c> (samtools naming: the FASTA path plus <c>.fai</c> / <c>.gzi</c>).
/// <para>Coordinates are 0-based, half-open, on the + strand. Returned bases are upper case (soft-masking is
/// dropped). A window that runs past either end of its contig (start &lt; 0, or start + length &gt; contig length)
/// is padded with <c>N</c> there rather than refused, so windows around genes near telomeres keep their size.</para>
/// <para>Contig names resolve exactly first, then through <see cref="ContigNames"/> aliases (<c>chr20</c> ≡
/// <c>20</c>, <c>chrM</c> ≡ <c>MT</c>). Thread-safe: concurrent <c>Fetch</c> calls are allowed.</para>
/// </summary>
public sealed class IndexedFasta : IDisposable
{
    private readonly ISequenceSource _source;
    private readonly Dictionary<string, FaiEntry> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byKey = new(StringComparer.Ordinal);

    /// <summary>The FASTA path, named in errors.</summary>
    public string Path { get; }

    /// <summary>True for a BGZF-compressed FASTA.</summary>
    public bool IsBgzf { get; }

    /// <summary>Contig names as the FASTA spells them, in file order.</summary>
    public IReadOnlyList<string> ContigNames { get; }

    /// <summary>The .fai entries, in file order.</summary>
    public IReadOnlyList<FaiEntry> Index { get; }

    private IndexedFasta(string path, ISequenceSource source, IReadOnlyList<FaiEntry> index, bool isBgzf)
    {
        Path = path;
        _source = source;
        IsBgzf = isBgzf;
        Index = index;
        ContigNames = index.Select(e => e.Name).ToArray();
        foreach (FaiEntry e in index)
        {
            _byName[e.Name] = e;
            _byKey.TryAdd(Genome.ContigNames.Key(e.Name), e.Name);
        }
    }

    /// <summary>
    /// Opens a FASTA (plain or BGZF, told apart by its first bytes). A missing <c>.fai</c> is built and written
    /// beside the FASTA (temp name, then rename); when that folder cannot be written it is kept in memory. A
    /// missing <c>.gzi</c> is replaced by a scan of the BGZF block headers. The <c>.fai</c> is checked against the
    /// FASTA (offsets within the file, line terminators where the line lengths put them).
    /// </summary>
    /// <exception cref="InputException">The file is missing, empty, gzip but not BGZF, or its indexes do not match it.</exception>
    public static IndexedFasta Open(string path)
    {
        if (!File.Exists(path))
            throw new InputException(path, null, "FASTA file not found");
        if (new FileInfo(path).Length == 0)
            throw new InputException(path, null, "FASTA file is empty (0 bytes)");
        bool bgzf = IsGzip(path);
        ISequenceSource source = bgzf ? new BgzfSource(new BgzfReader(path, path + ".gzi")) : new PlainSource(path);
        try
        {
            string faiPath = path + ".fai";
            IReadOnlyList<FaiEntry> index;
            if (File.Exists(faiPath))
            {
                index = FastaIndex.Read(faiPath);
                if (index.Count == 0)
                    throw new InputException(faiPath, null, "the .fai lists no contigs; delete it to have it rebuilt");
            }
            else
            {
                using (Stream s = source.OpenSequential())
                    index = FastaIndex.Build(s, path);
                TryWriteIndex(faiPath, index);
            }
            var fasta = new IndexedFasta(path, source, index, bgzf);
            fasta.Validate(faiPath);
            return fasta;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static bool IsGzip(string path)
    {
        Span<byte> magic = stackalloc byte[2];
        using var h = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        return RandomAccess.Read(h, magic, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    private static void TryWriteIndex(string faiPath, IReadOnlyList<FaiEntry> index)
    {
        try
        {
            FastaIndex.Write(faiPath, index);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            // Read-only folder (e.g. shared reference data): the in-memory index serves this process.
        }
    }

    private void Validate(string faiPath)
    {
        Span<byte> probe = stackalloc byte[2];
        foreach (FaiEntry e in Index)
        {
            string what = $"contig '{e.Name}' (offset {e.Offset}, length {e.Length}, {e.LineBases} bases/{e.LineBytes} bytes a line)";
            if (e.EndOffset > _source.Length)
                throw Mismatch(faiPath, $"{what} ends at byte {e.EndOffset}, past the end of the FASTA ({_source.Length} bytes)");
            if (e.Offset > 0 && (_source.ReadAt(e.Offset - 1, probe[..1]) != 1 || probe[0] != (byte)'\n'))
                throw Mismatch(faiPath, $"{what}: the byte before its first base is not the end of a header line");
            if (e.Length == 0)
                continue;
            if (e.Length > e.LineBases)
            {
                int term = e.LineBytes - e.LineBases;
                int got = _source.ReadAt(e.Offset + e.LineBases, probe[..term]);
                if (got != term || probe[term - 1] != (byte)'\n' || (term == 2 && probe[0] != (byte)'\r'))
                    throw Mismatch(faiPath, $"{what}: no line break after the first {e.LineBases} bases (the line length does not match)");
            }
            int last = _source.ReadAt(e.EndOffset - 1, probe);
            if (IsLineByte(probe[0]) || (last == 2 && probe[1] != (byte)'\n' && probe[1] != (byte)'\r'))
                throw Mismatch(faiPath, $"{what}: the last base is not followed by a line break (the length or line layout does not match)");
        }
    }

    private static bool IsLineByte(byte b) => b is (byte)'\n' or (byte)'\r' or (byte)'>';

    private static InputException Mismatch(string faiPath, string what) =>
        new(faiPath, null, $"the .fai does not match its FASTA: {what}; delete the .fai to have it rebuilt (or run samtools faidx)");

    /// <summary>Length in bases of <paramref name="contig"/> (aliases accepted).</summary>
    /// <exception cref="InputException">Unknown contig.</exception>
    public long ContigLength(string contig) => Entry(contig).Length;

    /// <summary>Resolves a contig name or alias to the FASTA's own spelling.</summary>
    public bool TryResolveContig(string name, out string canonical)
    {
        if (_byName.ContainsKey(name))
        {
            canonical = name;
            return true;
        }
        if (_byKey.TryGetValue(Genome.ContigNames.Key(name), out string? c))
        {
            canonical = c;
            return true;
        }
        canonical = "";
        return false;
    }

    /// <summary>
    /// The bases of <paramref name="contig"/> in the 0-based half-open window [start0, start0 + length), upper case;
    /// positions outside the contig (start0 &lt; 0 or past its end) come back as <c>N</c>.
    /// </summary>
    /// <exception cref="InputException">Unknown contig, or the FASTA/index turns out not to match.</exception>
    public string Fetch(string contig, long start0, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Fetch(contig, start0, buffer.AsSpan(0, length));
            return Encoding.ASCII.GetString(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Fills <paramref name="dest"/> with the bases of [start0, start0 + dest.Length) of <paramref name="contig"/>
    /// (0-based, half-open, ASCII upper case); positions outside the contig are <c>N</c>.
    /// </summary>
    /// <exception cref="InputException">Unknown contig, or the FASTA/index turns out not to match.</exception>
    public void Fetch(string contig, long start0, Span<byte> dest)
    {
        FaiEntry e = Entry(contig);
        long from = Math.Max(0, start0), to = Math.Min(e.Length, start0 + dest.Length);
        if (from >= to)
        {
            dest.Fill((byte)'N');
            return;
        }
        dest[..(int)(from - start0)].Fill((byte)'N');
        dest[(int)(to - start0)..].Fill((byte)'N');

        // Read whole line spans in chunks of about 1 MiB, then copy the bases of each line.
        long chunkBases = Math.Max(1, (1 << 20) / e.LineBases) * e.LineBases;
        byte[] raw = ArrayPool<byte>.Shared.Rent((int)Math.Min(chunkBases / e.LineBases * e.LineBytes + e.LineBytes, e.FileOffset(to - 1) + 1 - e.FileOffset(from)));
        try
        {
            for (long pos = from; pos < to;)
            {
                long chunkEnd = Math.Min(to, (pos / e.LineBases * e.LineBases) + chunkBases);
                long rawStart = e.FileOffset(pos), rawEnd = e.FileOffset(chunkEnd - 1) + 1;
                int rawLength = (int)(rawEnd - rawStart);
                if (_source.ReadAt(rawStart, raw.AsSpan(0, rawLength)) != rawLength)
                    throw Mismatch(Path + ".fai", $"contig '{e.Name}' runs past the end of the FASTA");
                while (pos < chunkEnd)
                {
                    int n = (int)Math.Min(e.LineBases - pos % e.LineBases, chunkEnd - pos);
                    CopyUpper(raw.AsSpan((int)(e.FileOffset(pos) - rawStart), n), dest.Slice((int)(pos - start0), n), e, pos);
                    pos += n;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private void CopyUpper(ReadOnlySpan<byte> src, Span<byte> dest, FaiEntry e, long pos0)
    {
        // Vectorised: a line of bases never holds a control byte, space or '>'; one that does means the layout is off.
        int bad = src.IndexOfAnyInRange((byte)0, (byte)' ');
        if (bad < 0)
            bad = src.IndexOf((byte)'>');
        if (bad >= 0)
            throw Mismatch(Path + ".fai", $"contig '{e.Name}' base {pos0 + bad} (0-based) falls on a line break or header, so the line layout does not match");
        Ascii.ToUpper(src, dest, out _);
    }

    private FaiEntry Entry(string contig)
    {
        if (TryResolveContig(contig, out string canonical))
            return _byName[canonical];
        const int shown = 30;
        string known = string.Join(", ", ContigNames.Take(shown)) + (ContigNames.Count > shown ? $", … ({ContigNames.Count} in all)" : "");
        throw new InputException(Path, null, $"contig '{contig}' is not in the genome; known contigs: {known}");
    }

    public void Dispose() => _source.Dispose();
}
