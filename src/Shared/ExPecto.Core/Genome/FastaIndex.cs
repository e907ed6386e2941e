using ExPecto.Core.Output;
using System.Globalization;
using System.Text;

namespace ExPecto.Core.Genome;

/// <summary>Reads, writes and builds samtools <c>.fai</c> indexes (offsets are into the uncompressed FASTA).</summary>
public static class FastaIndex
{
    /// <summary>Reads a <c>.fai</c>; each line needs at least 5 tab-separated columns.</summary>
    public static IReadOnlyList<FaiEntry> Read(string faiPath)
    {
        var entries = new List<FaiEntry>();
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        long lineNo = 0;
        foreach (string line in File.ReadLines(faiPath))
        {
            lineNo++;
            if (line.Length == 0)
                continue;
            string[] f = line.Split('\t');
            if (f.Length < 5)
                throw new InputException(faiPath, lineNo, $"expected 5 tab-separated .fai columns (name, length, offset, linebases, linewidth), found {f.Length}");
            if (!long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out long length)
                || !long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out long offset)
                || !int.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out int lineBases)
                || !int.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out int lineBytes))
                throw new InputException(faiPath, lineNo, $"expected non-negative integers in .fai columns 2-5, found '{line}'");
            if (length > 0 && (lineBases < 1 || lineBytes <= lineBases || lineBytes > lineBases + 2))
                throw new InputException(faiPath, lineNo, $"line width {lineBytes} must be the {lineBases} bases per line plus a 1- or 2-byte line terminator");
            if (seen.TryGetValue(f[0], out long first))
                throw new InputException(faiPath, lineNo, $"contig '{f[0]}' is listed twice (first on line {first})");
            seen[f[0]] = lineNo;
            entries.Add(new FaiEntry(f[0], length, offset, Math.Max(lineBases, 1), Math.Max(lineBytes, 2)));
        }
        return entries;
    }

    /// <summary>Writes a <c>.fai</c> to a temp name in the same folder, then renames it over <paramref name="faiPath"/>.</summary>
    public static void Write(string faiPath, IEnumerable<FaiEntry> entries)
    {
        var sb = new StringBuilder();
        foreach (FaiEntry e in entries)
            sb.Append(CultureInfo.InvariantCulture, $"{e.Name}\t{e.Length}\t{e.Offset}\t{e.LineBases}\t{e.LineBytes}\n");
        AtomicFile.WriteAllBytes(faiPath, Encoding.ASCII.GetBytes(sb.ToString()));
    }

    /// <summary>
    /// Builds the index of an uncompressed FASTA stream, as <c>samtools faidx</c> would. All lines of a record
    /// must have the same length except its last; a blank line may only end a record.
    /// </summary>
    /// <param name="uncompressed">The FASTA bytes (decompressed already for BGZF).</param>
    /// <param name="sourceName">The file named in errors.</param>
    public static IReadOnlyList<FaiEntry> Build(Stream uncompressed, string sourceName)
    {
        var entries = new List<FaiEntry>();
        var names = new Dictionary<string, long>(StringComparer.Ordinal);
        string? name = null;
        long nameLine = 0, seqOffset = 0, length = 0;
        int lineBases = 0, lineBytes = 0;
        bool shortLineSeen = false;
        long shortLineNo = 0;

        void Finish()
        {
            if (name is not null)
                entries.Add(new FaiEntry(name, length, seqOffset, Math.Max(lineBases, 1), Math.Max(lineBytes, lineBases + 1)));
        }

        foreach (RawLine line in RawLines(uncompressed))
        {
            if (line.Content.Length > 0 && line.Content.Span[0] == (byte)'>')
            {
                Finish();
                string header = Encoding.ASCII.GetString(line.Content.Span[1..]);
                int ws = header.IndexOfAny([' ', '\t']);
                name = (ws < 0 ? header : header[..ws]).Trim();
                if (name.Length == 0)
                    throw new InputException(sourceName, line.Number, "FASTA header '>' has no name");
                if (names.TryGetValue(name, out long firstLine))
                    throw new InputException(sourceName, line.Number, $"FASTA record '{name}' appears twice (first on line {firstLine})");
                names[name] = line.Number;
                nameLine = line.Number;
                seqOffset = line.Offset + line.Content.Length + line.TerminatorLength;
                length = 0;
                lineBases = lineBytes = 0;
                shortLineSeen = false;
                continue;
            }
            if (name is null)
            {
                if (line.Content.Span.Trim((byte)' ').Length == 0)
                    continue;
                throw new InputException(sourceName, line.Number, "expected a FASTA header line starting with '>', found sequence");
            }
            int n = line.Content.Length;
            if (n == 0)
            {
                shortLineSeen = true;
                shortLineNo = line.Number;
                continue;
            }
            if (shortLineSeen)
                throw new InputException(sourceName, line.Number,
                    $"record '{name}' (line {nameLine}): line {shortLineNo} is shorter than the lines before it but is not the record's last; all lines but the last must have {lineBases} bases");
            if (lineBases == 0)
            {
                lineBases = n;
                lineBytes = n + line.TerminatorLength;
            }
            else if (n > lineBases)
            {
                throw new InputException(sourceName, line.Number,
                    $"record '{name}': line has {n} bases, expected at most {lineBases} (the record's first line length)");
            }
            else if (n < lineBases || line.TerminatorLength + n != lineBytes)
            {
                shortLineSeen = true;
                shortLineNo = line.Number;
            }
            length += n;
        }
        Finish();
        if (entries.Count == 0)
            throw new InputException(sourceName, null, "no FASTA records found (expected a '>name' header line); is the file empty?");
        return entries;
    }

    internal readonly record struct RawLine(long Number, long Offset, ReadOnlyMemory<byte> Content, int TerminatorLength);

    /// <summary>Lines with their byte offsets; Content excludes the terminator (<c>\n</c> or <c>\r\n</c>).</summary>
    internal static IEnumerable<RawLine> RawLines(Stream stream)
    {
        byte[] buffer = new byte[1 << 16];
        var pending = new MemoryStream();
        long lineNo = 0, lineStart = 0;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            int start = 0;
            while (start < read)
            {
                int nl = Array.IndexOf(buffer, (byte)'\n', start, read - start);
                if (nl < 0)
                {
                    pending.Write(buffer, start, read - start);
                    break;
                }
                ReadOnlyMemory<byte> content;
                if (pending.Length > 0)
                {
                    pending.Write(buffer, start, nl - start);
                    content = pending.ToArray();
                    pending.SetLength(0);
                }
                else
                {
                    content = buffer.AsMemory(start, nl - start);
                }
                int term = 1;
                if (content.Length > 0 && content.Span[^1] == (byte)'\r')
                {
                    content = content[..^1];
                    term = 2;
                }
                lineNo++;
                yield return new RawLine(lineNo, lineStart, content, term);
                lineStart += content.Length + term;
                start = nl + 1;
            }
        }
        if (pending.Length > 0)
        {
            ReadOnlyMemory<byte> content = pending.ToArray();
            int term = 0;
            if (content.Span[^1] == (byte)'\r')
            {
                content = content[..^1];
                term = 1;
            }
            yield return new RawLine(lineNo + 1, lineStart, content, term);
        }
    }
}
