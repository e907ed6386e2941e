using System.CommandLine;
using ExPecto.Analysis.Io;
using ExPecto.Analysis.Risk;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto gwas-prioritize`: rank LD variants of each GWAS locus by their largest non-cancer predicted |effect|.</summary>
internal static class GwasPrioritizeCommand
{
    public static Command Create()
    {
        var loci = new Option<FileInfo>("--loci") { Description = "TSV, one row per LD variant: locus (the lead SNP), variant, chrom, pos (1-based), ref, alt, r2 (to the lead)", Required = true };
        var effects = new Option<FileSystemInfo>("--effects") { Description = "Predicted effects: an effects Parquet, a folder of them (RUN/effects), or a predict-variants table (.parquet/.tsv/.csv)", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "Output TSV, ranked within each locus; default: gwas.tsv beside --loci" };
        var metadata = new Option<FileInfo?>("--tissue-metadata") { Description = "TSV tissue<TAB>cancer(0/1) naming the cancer-line models to leave out (default: the shipped table of ExPecto's 218 models)" };
        var command = new Command("gwas-prioritize", "Prioritise candidate causal variants in GWAS loci by predicted expression effect");
        command.Options.Add(loci);
        command.Options.Add(effects);
        command.Options.Add(output);
        command.Options.Add(metadata);
        command.SetAction(async (parse, ct) =>
        {
            var ld = GwasPrioritizer.ReadLoci(parse.GetValue(loci)!.FullName);
            var tables = await EffectsFile.ReadManyAsync(parse.GetValue(effects)!.FullName, ct);
            var meta = parse.GetValue(metadata) is { } m ? TissueMetadata.Load(m.FullName) : TissueMetadata.Default;
            RiskCommand.TissueNotes(tables, meta);
            var ranked = GwasPrioritizer.Prioritize(ld, tables, meta);
            string outPath = parse.GetValue(output)?.FullName ?? Path.Combine(Path.GetDirectoryName(parse.GetValue(loci)!.FullName)!, "gwas.tsv");
            await GwasPrioritizer.WriteTsvAsync(outPath, ranked);
            Console.WriteLine($"{ranked.Select(r => r.Locus).Distinct().Count()} loci, {ranked.Count} variants ranked ({ranked.Count(r => r.Gene is not null)} with a prediction) -> {outPath}");
            return 0;
        });
        return command;
    }
}
