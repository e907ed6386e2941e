using ExPecto.Core;
using ExPecto.Protocol.Processing;

namespace ExPecto.Protocol.Jobs;

/// <summary>
/// A gene selection file: one gene per line, "gene_id&lt;TAB&gt;chrom"; blank lines and '#' comments ignored.
/// Duplicates are an input error (a gene is one unit of work).
/// </summary>
public static class GeneListFile
{
    public static IReadOnlyList<GeneRef> Read(string path)
    {
        if (!File.Exists(path))
            throw new InputException(path, null, "gene list does not exist");
        var genes = new List<GeneRef>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long line = 0;
        foreach (string raw in File.ReadLines(path))
        {
            line++;
            string text = raw.TrimEnd('\r');
            if (text.Length == 0 || text.StartsWith('#')) continue;
            string[] cols = text.Split('\t');
            if (cols.Length < 2 || cols[0].Length == 0 || cols[1].Length == 0)
                throw new InputException(path, line, $"expected 'gene_id<TAB>chrom', found '{text}'");
            if (!seen.Add(cols[0]))
                throw new InputException(path, line, $"gene '{cols[0]}' is listed twice");
            genes.Add(new GeneRef(cols[0], cols[1]));
        }
        if (genes.Count == 0)
            throw new InputException(path, null, "gene list is empty");
        return genes;
    }
}
