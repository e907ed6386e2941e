using System.CommandLine;
using ExPecto.Analysis.Io;
using ExPecto.Analysis.Risk;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto risk`: constraint-violation score per variant (median over non-cancer tissues of effect × directionality).</summary>
internal static class RiskCommand
{
    public static Command Create()
    {
        var effects = new Option<FileSystemInfo>("--effects") { Description = "Effects Parquet or a folder of them", Required = true };
        var genes = new Option<FileInfo>("--genes") { Description = "genes.parquet with each gene's directionality per tissue", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "Output TSV, highest violation score first; default: risk.tsv beside --genes" };
        var metadata = new Option<FileInfo?>("--tissue-metadata") { Description = "TSV tissue<TAB>cancer(0/1) naming the cancer-line models to leave out (default: the shipped table of ExPecto's 218 models, 26 cancer)" };
        var command = new Command("risk", "Score variants by how much they violate their gene's expression constraint");
        command.Options.Add(effects);
        command.Options.Add(genes);
        command.Options.Add(output);
        command.Options.Add(metadata);
        command.SetAction(async (parse, ct) =>
        {
            var meta = parse.GetValue(metadata) is { } m ? TissueMetadata.Load(m.FullName) : TissueMetadata.Default;
            string outPath = parse.GetValue(output)?.FullName ?? Path.Combine(Path.GetDirectoryName(parse.GetValue(genes)!.FullName)!, "risk.tsv");
            var index = RiskScoring.DirectionalityIndex(await GeneTable.ReadAsync(parse.GetValue(genes)!.FullName, ct));
            var scored = new List<VariantRisk>();
            var tables = await EffectsFile.ReadManyAsync(parse.GetValue(effects)!.FullName, ct);
            TissueNotes(tables, meta);
            foreach (var table in tables)
                scored.AddRange(RiskScoring.Score(table, index, meta));
            await RiskScoring.WriteTsvAsync(outPath, scored.OrderByDescending(r => double.IsNaN(r.ViolationScore) ? double.NegativeInfinity : r.ViolationScore));
            int withScore = scored.Count(r => double.IsFinite(r.ViolationScore));
            Console.WriteLine($"{scored.Count} variants scored ({withScore} with a violation score) -> {outPath}");
            return 0;
        });
        return command;
    }

    /// <summary>Says on stderr which tissues count as cancer and which names the metadata does not know.</summary>
    internal static void TissueNotes(IEnumerable<GeneEffects> tables, TissueMetadata meta)
    {
        var tissues = tables.SelectMany(t => t.Tissues).Distinct().ToArray();
        int cancer = tissues.Count(meta.IsCancer);
        var unknown = tissues.Where(t => !meta.IsKnown(t)).ToArray();
        Console.Error.WriteLine($"expecto: {tissues.Length} tissues, {cancer} cancer lines left out");
        if (unknown.Length > 0)
            Console.Error.WriteLine($"expecto: warning: {unknown.Length} tissue(s) not in the tissue metadata, counted as non-cancer: {string.Join(", ", unknown.Take(5))}{(unknown.Length > 5 ? ", …" : "")}");
    }
}
