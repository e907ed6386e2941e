using System.CommandLine;
using ExPecto.Analysis.Io;
using ExPecto.Analysis.Risk;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto gwas-prioritize`: rank LD variants of each GWAS locus by their largest non-cancer predicted |effect|.</summary>
internal static class GwasPrioritizeCommand
{
    public static Command Create()
    {
        var loci = new Option<FileInfo>("--loci") { Description = "TSV with columns locus, variant, chrom, pos, ref, alt, r2", Required = true };
        var effects = new Option<FileSystemInfo>("--effects") { Description = "Effects Parquet or a folder of them", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Output TSV (ranked within each locus)", Required = true };
        var command = new Command("gwas-prioritize", "Prioritise candidate causal variants in GWAS loci by predicted expression effect");
        command.Options.Add(loci);
        command.Options.Add(effects);
        command.Options.Add(output);
        command.SetAction(async (parse, ct) =>
        {
            var ld = GwasPrioritizer.ReadLoci(parse.GetValue(loci)!.FullName);
            var tables = await EffectsFile.ReadManyAsync(parse.GetValue(effects)!.FullName, ct);
            var ranked = GwasPrioritizer.Prioritize(ld, tables);
            await GwasPrioritizer.WriteTsvAsync(parse.GetValue(output)!.FullName, ranked);
            Console.WriteLine($"{ranked.Select(r => r.Locus).Distinct().Count()} loci, {ranked.Count} variants ranked");
            return 0;
        });
        return command;
    }
}
