using System.Globalization;
using ExPecto.Core.Mutagenesis;
using ExPecto.Core.Output;

namespace ExPecto.Coordinator.Cli;

/// <summary>The short table `expecto run` ends with: where the output is and the genes' variation potential per tissue.</summary>
internal static class RunReport
{
    public static void Print(string outputDir, TextWriter w)
    {
        var layout = new MutagenesisLayout(outputDir);
        string summaries = layout.Full(MutagenesisLayout.SummariesFolder);
        var genes = Directory.Exists(summaries)
            ? Directory.GetFiles(summaries, "*.json").Order(StringComparer.Ordinal).Select(GeneSummaryFile.Read).ToList()
            : [];
        w.WriteLine();
        w.WriteLine($"output: {Path.GetFullPath(outputDir)}");
        if (genes.Count == 0) return;
        long mutations = genes.Sum(g => (long)g.Mutations), strong = genes.Sum(g => g.StrongRows);
        w.WriteLine($"{genes.Count} genes, {mutations:N0} mutations, {strong:N0} strong effects (|effect| ≥ {genes[0].StrongThreshold.ToString(CultureInfo.InvariantCulture)}); " +
            $"tables: effects/, strong_effects/, {MutagenesisLayout.GenesFile}");
        var tissues = genes[0].Tissues.Select(t => t.Tissue).ToList();
        int width = Math.Max(6, tissues.Max(t => t.Length));
        w.WriteLine($"{"tissue".PadRight(width)}  {"mean directionality",20}  {"mean magnitude",15}  {"strong",8}  most negative gene");
        for (int k = 0; k < tissues.Count; k++)
        {
            double dir = genes.Average(g => g.Tissues[k].Directionality), mag = genes.Average(g => g.Tissues[k].Magnitude);
            long st = genes.Sum(g => (long)g.Tissues[k].Strong);
            var lowest = genes.MinBy(g => g.Tissues[k].Directionality)!;
            w.WriteLine($"{tissues[k].PadRight(width)}  {dir,20:F3}  {mag,15:F3}  {st,8}  {lowest.Gene} ({lowest.Tissues[k].Directionality:F2})");
        }
    }
}
