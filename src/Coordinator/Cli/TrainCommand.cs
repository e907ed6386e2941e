using System.CommandLine;
using ExPecto.Analysis.Training;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto train`: ExPecto tissue models (gblinear, XGBoost 1.7 equivalent) from a feature-matrix Parquet.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var features = new Option<FileInfo>("--features") { Description = "Feature-matrix Parquet: column 'gene' then one column per feature (20,020 for ExPecto)", Required = true };
        var expression = new Option<FileInfo>("--expression") { Description = "Expression CSV: an id column, then one column per tissue", Required = true };
        var annotation = new Option<FileInfo>("--annotation") { Description = "geneanno.csv (id,symbol,seqnames,strand,TSS,CAGE_representative_TSS,type)", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run folder: writes training/models/<tissue>.json and training/summary.tsv", Required = true };
        var tissues = new Option<string[]>("--tissue") { Description = "Tissue column(s) to train (default: all)", AllowMultipleArgumentsPerToken = true };
        var idColumn = new Option<string?>("--id-column") { Description = "Id column of the expression CSV (default: id, gene_id, gene or the first)" };
        var pseudocount = new Option<double>("--pseudocount") { Description = "Label = ln(expression + pseudocount)", DefaultValueFactory = _ => 0.0001 };
        var holdout = new Option<string>("--holdout") { Description = "Chromosome held out for evaluation", DefaultValueFactory = _ => "chr8" };
        var lambda = new Option<float>("--lambda") { Description = "L2 penalty per row", DefaultValueFactory = _ => 100f };
        var alpha = new Option<float>("--alpha") { Description = "L1 penalty per row", DefaultValueFactory = _ => 0f };
        var eta = new Option<float>("--eta") { Description = "Learning rate", DefaultValueFactory = _ => 0.01f };
        var baseScore = new Option<float>("--base-score") { Description = "Base score", DefaultValueFactory = _ => 2f };
        var rounds = new Option<int>("--rounds") { Description = "Boosting rounds", DefaultValueFactory = _ => 100 };
        var parallel = new Option<int>("--parallel") { Description = "Tissues trained at once", DefaultValueFactory = _ => Environment.ProcessorCount };

        var command = new Command("train", "Train ExPecto expression models (gblinear) per tissue with a whole-chromosome holdout");
        foreach (var o in new Option[] { features, expression, annotation, output, tissues, idColumn, pseudocount, holdout, lambda, alpha, eta, baseScore, rounds, parallel })
            command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            var x = await FeatureMatrix.ReadParquetAsync(parse.GetValue(features)!.FullName, ct);
            var expr = ExpressionTable.ReadCsv(parse.GetValue(expression)!.FullName, parse.GetValue(idColumn));
            var anno = GeneAnnotationReader.Read(parse.GetValue(annotation)!.FullName);
            var options = new TrainingOptions
            {
                Pseudocount = parse.GetValue(pseudocount),
                HoldoutChromosome = parse.GetValue(holdout)!,
                Booster = new GblinearParameters
                {
                    Lambda = parse.GetValue(lambda), Alpha = parse.GetValue(alpha), Eta = parse.GetValue(eta),
                    BaseScore = parse.GetValue(baseScore), Rounds = parse.GetValue(rounds),
                },
            };
            var selected = parse.GetValue(tissues) is { Length: > 0 } t ? t : expr.Tissues.ToArray();
            string outDir = Path.Combine(parse.GetValue(output)!.FullName, "training");
            // Tissues are independent fits: run them side by side; each result is deterministic on its own.
            var results = new (TissueTrainingResult, string)[selected.Length];
            await Parallel.ForAsync(0, selected.Length, new ParallelOptions { MaxDegreeOfParallelism = parse.GetValue(parallel), CancellationToken = ct }, async (k, token) =>
            {
                var result = ExpressionModelTraining.TrainTissue(x, anno, expr, selected[k], options, token);
                string file = Path.Combine("models", ExpressionModelTraining.SafeName(selected[k]) + ".json");
                await result.Model.SaveXgboostJsonAsync(Path.Combine(outDir, file));
                results[k] = (result, file);
                Console.WriteLine($"{selected[k]}\ttrain {result.TrainRows}\tholdout {result.HoldoutRows}\tSpearman {result.HoldoutSpearman:F4}");
            });
            var rows = results;
            await ExpressionModelTraining.WriteSummaryTsvAsync(Path.Combine(outDir, "summary.tsv"), rows);
            return 0;
        });
        return command;
    }
}
