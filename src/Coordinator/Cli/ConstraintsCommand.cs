using System.CommandLine;
using ExPecto.Analysis.Constraints;
using ExPecto.Analysis.Io;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto constraints`: evolutionary constraint calls from variation-potential directionality (locfdr empirical null).</summary>
internal static class ConstraintsCommand
{
    public static Command Create()
    {
        var genes = new Option<FileInfo>("--genes") { Description = "genes.parquet (gene, tissue, directionality, magnitude, mutations, strong)", Required = true };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for null.tsv (empirical null per tissue), density.tsv (histogram, fitted mixture and null densities, local fdr) and calls.tsv (posteriors, calls); default: constraints/ beside --genes" };
        var halfWidth = new Option<double?>("--central-width") { Description = "Half-width of the central interval in robust SDs (default: locfdr's 4.3·N^-0.26)" };
        var command = new Command("constraints", "Call positive/negative expression constraint per gene and tissue from variation-potential directionality (locfdr empirical null, posterior > 0.5)");
        command.Options.Add(genes);
        command.Options.Add(output);
        command.Options.Add(halfWidth);
        command.SetAction(async (parse, ct) =>
        {
            var rows = await GeneTable.ReadAsync(parse.GetValue(genes)!.FullName, ct);
            var results = ConstraintAnalysis.Analyze(rows, new ConstraintOptions { CentralHalfWidth = parse.GetValue(halfWidth) });
            string outDir = parse.GetValue(output)?.FullName ?? Path.Combine(Path.GetDirectoryName(parse.GetValue(genes)!.FullName)!, "constraints");
            await ConstraintAnalysis.WriteTsvAsync(outDir, results);
            foreach (var r in results)
                Console.WriteLine($"{r.Tissue}\tmu0 {r.Null.Mu0:G4}\tsigma0 {r.Null.Sigma0:G4}\tpi0 {r.Null.Pi0:F3}\tpositive {r.Genes.Count(g => g.Call == ConstraintCall.Positive)}\tnegative {r.Genes.Count(g => g.Call == ConstraintCall.Negative)}");
            Console.Error.WriteLine($"expecto: constraint calls for {results.Count} tissues in {outDir}" +
                (results.Any(r => r.Genes.Count < 200) ? $" (fewer than 200 genes in a tissue: the empirical null is rough)" : ""));
            return 0;
        });
        return command;
    }
}
