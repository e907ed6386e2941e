using System.Text;

namespace ExPecto.Analysis.Io;

/// <summary>Minimal RFC 4180 field splitter (quoted fields, doubled quotes); trailing CR is dropped.</summary>
internal static class Csv
{
    public static string[] Split(string line, char sep = ',')
    {
        line = line.TrimEnd('\r');
        var fields = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else sb.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == sep) { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(c);
        }
        fields.Add(sb.ToString());
        return fields.ToArray();
    }

    /// <summary>Lines of a text file, gzip-decompressed when the name ends in .gz.</summary>
    public static IEnumerable<string> ReadLines(string path)
    {
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var l in File.ReadLines(path)) yield return l;
            yield break;
        }
        using var fs = File.OpenRead(path);
        using var gz = new System.IO.Compression.GZipStream(fs, System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        while (reader.ReadLine() is { } line) yield return line;
    }
}
