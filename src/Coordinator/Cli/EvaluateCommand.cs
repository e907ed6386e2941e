using System.CommandLine;
using ExPecto.Analysis.Evaluation;
using ExPecto.Analysis.Io;
using ExPecto.Analysis.Plots;
using ExPecto.Core;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto evaluate`: predicted effects against reporter-assay measurements (direction accuracy, AUROC, Spearman).</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var measured = new Option<FileInfo>("--measured") { Description = "Measured variant effects: Kircher MPRA elements.tsv.gz, a SuRE raQTL list (*.sign.id.*.txt.gz), or a VCF with INFO LOG2FC (eQTL/raQTL)", Required = true };
        var format = new Option<string>("--format") { Description = "kircher | sure | vcf (default: from the file name)" };
        format.AcceptOnlyFromAmong("kircher", "sure", "vcf");
        var predictions = new Option<FileSystemInfo>("--predictions") { Description = "Predicted effects: a folder of effects Parquet (RUN/effects), one of them, or a predict-variants table (.parquet/.tsv/.csv; ExPecto predict.py CSV too)", Required = true };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Run folder: writes evaluation/summary.tsv, curve.tsv and direction_accuracy.png/svg (default: the run folder of --predictions)" };
        var maxP = new Option<double?>("--max-p") { Description = "Keep only measured variants with p-value at most this" };
        var group = new Option<string?>("--group") { Description = "Keep only one element (MPRA) or cell line (SuRE)" };
        var points = new Option<int>("--curve-points") { Description = "Points on the direction-accuracy curve", DefaultValueFactory = _ => 20 };

        var command = new Command("evaluate", "Evaluate predicted expression effects against measured variant effects");
        foreach (var o in new Option[] { measured, format, predictions, output, maxP, group, points }) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            string path = parse.GetValue(measured)!.FullName;
            string fmt = parse.GetValue(format) ?? Guess(path);
            var variants = fmt switch
            {
                "kircher" => MeasuredVariantReaders.ReadKircherMpra(path),
                "sure" => MeasuredVariantReaders.ReadSureRaqtl(path),
                _ => MeasuredVariantReaders.ReadEffectVcf(path),
            };
            var filtered = variants.Where(v => parse.GetValue(maxP) is not { } p || v.PValue <= p)
                .Where(v => parse.GetValue(group) is not { } g || v.Group == g).ToArray();
            var tables = await EffectsFile.ReadManyAsync(parse.GetValue(predictions)!.FullName, ct);
            var matched = DirectionEvaluation.Match(filtered, tables);
            if (matched.Count == 0) throw new InputException(path, null, $"none of the {filtered.Length} measured variants has a prediction");
            var evals = DirectionEvaluation.EvaluateAll(matched, parse.GetValue(points));
            string predPath = parse.GetValue(predictions)!.FullName;
            string runDir = parse.GetValue(output)?.FullName
                ?? (Directory.Exists(predPath) ? Path.GetDirectoryName(predPath.TrimEnd(Path.DirectorySeparatorChar))! : Path.GetDirectoryName(predPath)!);
            string dir = Path.Combine(runDir, "evaluation");
            await DirectionEvaluation.WriteSummaryTsvAsync(Path.Combine(dir, "summary.tsv"), evals);
            await DirectionEvaluation.WriteCurveTsvAsync(Path.Combine(dir, "curve.tsv"), evals);
            await AnalysisPlots.SaveAsync(AnalysisPlots.DirectionAccuracyCurve(evals), Path.Combine(dir, "direction_accuracy"));
            Console.WriteLine($"{matched.Count} of {filtered.Length} measured variants matched; {evals.Count} tissue models evaluated -> {dir}");
            foreach (var e in evals)
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{e.Tissue}\tvariants {e.Variants}\tAUROC {e.Auroc:F3}\tSpearman {e.Spearman:F3}\tdirection accuracy {e.DirectionAccuracy:F3}"));
            if (matched.Count < 30)
                Console.Error.WriteLine($"expecto: warning: only {matched.Count} variants matched: the metrics are not meaningful");
            return 0;
        });
        return command;
    }

    private static string Guess(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".vcf", StringComparison.Ordinal) || name.EndsWith(".vcf.gz", StringComparison.Ordinal)) return "vcf";
        if (name.Contains("sign.id", StringComparison.Ordinal) || name.Contains("raqtl", StringComparison.Ordinal)) return "sure";
        return "kircher";
    }
}
