using ExPecto.Core.Output;
using System.Text;
using ExPecto.Protocol.Processing;

namespace ExPecto.Protocol.Schedules;

/// <summary>
/// A schedule's index, <c>OUT/schedule-index.tsv</c>: for every gene that some run of the schedule committed, the
/// run folder holding its current output (relative to OUT, e.g. <c>runs/20260101T020000Z</c>) and the input digest
/// it was computed from. Columns gene_id, chrom, run, digest; sorted by gene id; rewritten temp-then-rename after
/// each finished run.
/// </summary>
public static class ScheduleIndexFile
{
    public const string FileName = "schedule-index.tsv";
    public const string Header = "gene_id\tchrom\trun\tdigest";

    /// <summary>The folder of one run under <paramref name="outputRoot"/>: runs/&lt;UTC stamp&gt;.</summary>
    public static string RunFolder(string outputRoot, DateTimeOffset startedAt) =>
        Path.Combine(outputRoot, "runs", startedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture));

    public static void Write(string outputRoot, IEnumerable<KeyValuePair<string, CommittedGene>> genes)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var (id, g) in genes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            string run = Path.GetRelativePath(outputRoot, g.RunFolder).Replace('\\', '/');
            sb.Append(id).Append('\t').Append(g.Chrom).Append('\t').Append(run).Append('\t').Append(g.Digest).Append('\n');
        }
        Directory.CreateDirectory(outputRoot);
        AtomicFile.WriteAllText(Path.Combine(outputRoot, FileName), sb.ToString());
    }

    /// <summary>gene id → run folder (relative to OUT), as written by <see cref="Write"/>.</summary>
    public static IReadOnlyDictionary<string, string> Read(string outputRoot)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        string path = Path.Combine(outputRoot, FileName);
        foreach (string line in File.ReadLines(path).Skip(1))
        {
            if (line.Length == 0) continue;
            string[] f = line.Split('\t');
            if (f.Length != 4) throw new ExPecto.Core.InputException(path, null, $"expected 4 tab-separated columns, found {f.Length}");
            map[f[0]] = f[2];
        }
        return map;
    }
}
