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
        var output = new Option<FileInfo>("--out") { Description = "Output TSV", Required = true };
        var command = new Command("risk", "Score variants by how much they violate their gene's expression constraint");
        command.Options.Add(effects);
        command.Options.Add(genes);
        command.Options.Add(output);
        command.SetAction(async (parse, ct) =>
        {
            var index = RiskScoring.DirectionalityIndex(await GeneTable.ReadAsync(parse.GetValue(genes)!.FullName, ct));
            var scored = new List<VariantRisk>();
            foreach (var table in await EffectsFile.ReadManyAsync(parse.GetValue(effects)!.FullName, ct))
                scored.AddRange(RiskScoring.Score(table, index));
            await RiskScoring.WriteTsvAsync(parse.GetValue(output)!.FullName, scored.OrderByDescending(r => double.IsNaN(r.ViolationScore) ? double.NegativeInfinity : r.ViolationScore));
            Console.WriteLine($"{scored.Count} variants scored");
            return 0;
        });
        return command;
    }
}
