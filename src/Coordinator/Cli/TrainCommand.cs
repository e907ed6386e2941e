using System.CommandLine;
using System.Globalization;
using ExPecto.Analysis.Training;
using ExPecto.Core;
using ExPecto.Core.Models;

namespace ExPecto.Coordinator.Cli;

/// <summary>
/// `expecto train`: ExPecto tissue models (gblinear, XGBoost 1.7 equivalent) from a feature-matrix Parquet and an
/// expression table. Every tissue is fitted in memory first, so bad input leaves nothing behind.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var features = new Option<FileInfo>("--features") { Description = "Feature-matrix Parquet from `expecto features`: column 'gene', optional 'chrom' and 'type', then one column per feature (10·F: 20,020 for Beluga)", Required = true };
        var expression = new Option<FileInfo>("--expression") { Description = "Expression table genes × tissues (CSV, TSV or GTEx GCT; e.g. GTEx median TPM): an id column, then one column per tissue", Required = true };
        var annotation = new Option<FileInfo?>("--annotation") { Description = "GTF/GFF3, geneanno.csv or a TSS BED for each gene's chromosome and type (default: the 'chrom'/'type' columns of --features, else a chromosome column of --expression)" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run folder: writes training/models/<tissue>.json (XGBoost JSON) and .save (ExPecto binary), training/modellist, training/summary.tsv, training/holdout_predictions.tsv", Required = true };
        var tissues = new Option<string[]>("--tissue") { Description = "Tissue column(s) to train (default: all)", AllowMultipleArgumentsPerToken = true };
        var idColumn = new Option<string?>("--id-column") { Description = "Id column of the expression table (default: id, gene_id, gene, Name or the first)" };
        var pseudocount = new Option<string[]>("--pseudocount")
        {
            Description = "Label = ln(expression + pseudocount): VALUE for every tissue and/or TISSUE=VALUE for one (repeatable; ExPecto: 0.0001 for GTEx, 0.01 otherwise)",
            DefaultValueFactory = _ => ["0.0001"],
        };
        var holdout = new Option<string>("--holdout") { Description = "Chromosome held out for the Spearman evaluation; 'none' trains on every gene", DefaultValueFactory = _ => "chr8" };
        var lambda = new Option<float>("--lambda") { Description = "L2 penalty per row", DefaultValueFactory = _ => 100f };
        var alpha = new Option<float>("--alpha") { Description = "L1 penalty per row", DefaultValueFactory = _ => 0f };
        var eta = new Option<float>("--eta") { Description = "Learning rate", DefaultValueFactory = _ => 0.01f };
        var baseScore = new Option<float>("--base-score") { Description = "Base score", DefaultValueFactory = _ => 2f };
        var rounds = new Option<int>("--rounds") { Description = "Boosting rounds", DefaultValueFactory = _ => 100 };
        var parallel = new Option<int>("--parallel") { Description = "Tissues trained at once", DefaultValueFactory = _ => Environment.ProcessorCount };

        var command = new Command("train", "Train ExPecto expression models (gblinear: lambda 100, alpha 0, eta 0.01, base score 2, 100 rounds) per tissue with a whole-chromosome holdout; rRNA genes and chrX/chrY are left out");
        foreach (var o in new Option[] { features, expression, annotation, output, tissues, idColumn, pseudocount, holdout, lambda, alpha, eta, baseScore, rounds, parallel })
            command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(rounds) < 1) throw new InputException($"--rounds must be at least 1, got {parse.GetValue(rounds)}");
            if (parse.GetValue(parallel) < 1) throw new InputException($"--parallel must be at least 1, got {parse.GetValue(parallel)}");
            var x = await FeatureMatrix.ReadParquetAsync(parse.GetValue(features)!.FullName, ct);
            var expr = ExpressionTable.ReadCsv(parse.GetValue(expression)!.FullName, parse.GetValue(idColumn));
            var anno = parse.GetValue(annotation) is { } annoFile ? ReadAnnotation(annoFile.FullName) : ExpressionModelTraining.AnnotationFromData(x, expr);
            int unknownChrom = anno.Count(a => a.Chrom.Length == 0);
            if (unknownChrom > 0)
                Console.Error.WriteLine($"expecto: warning: {unknownChrom} genes have no chromosome (no --annotation, no 'chrom' column): they are trained on, never held out");

            var selected = parse.GetValue(tissues) is { Length: > 0 } t ? t : expr.Tissues.ToArray();
            foreach (string name in selected)
                if (!expr.Tissues.Contains(name))
                    throw new InputException(parse.GetValue(expression)!.FullName, null, $"no tissue column '{name}'; columns are {string.Join(", ", expr.Tissues.Take(20))}{(expr.Tissues.Count > 20 ? ", …" : "")}");
            var pseudocounts = ParsePseudocounts(parse.GetValue(pseudocount)!, expr.Tissues);
            var booster = new GblinearParameters
            {
                Lambda = parse.GetValue(lambda), Alpha = parse.GetValue(alpha), Eta = parse.GetValue(eta),
                BaseScore = parse.GetValue(baseScore), Rounds = parse.GetValue(rounds),
            };
            string holdoutChrom = parse.GetValue(holdout)!;

            // Tissues are independent fits: run them side by side; each result is deterministic on its own.
            var results = new TissueTrainingResult[selected.Length];
            await Parallel.ForAsync(0, selected.Length, new ParallelOptions { MaxDegreeOfParallelism = parse.GetValue(parallel), CancellationToken = ct }, (k, token) =>
            {
                var options = new TrainingOptions { Pseudocount = pseudocounts(selected[k]), HoldoutChromosome = holdoutChrom, Booster = booster };
                results[k] = ExpressionModelTraining.TrainTissue(x, anno, expr, selected[k], options, token);
                return ValueTask.CompletedTask;
            });

            string outDir = Path.Combine(parse.GetValue(output)!.FullName, "training");
            bool expectoLayout = x.Cols > 0 && x.Cols % FeatureLayout.Blocks == 0; // 10·F: ExPecto's layout for F chromatin features
            var rows = new List<(TissueTrainingResult, string)>();
            var list = new System.Text.StringBuilder("ModelName\tTissue\n");
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in results)
            {
                string safe = ExpressionModelTraining.SafeName(r.Tissue);
                for (int n = 2; !names.Add(safe); n++) safe = ExpressionModelTraining.SafeName(r.Tissue) + "_" + n.ToString(CultureInfo.InvariantCulture);
                string json = Path.Combine("models", safe + ".json");
                await r.Model.SaveXgboostJsonAsync(Path.Combine(outDir, json));
                string listed = json;
                if (expectoLayout)
                {
                    // ExPecto's own format (10·(F+1) padded columns, "binf" header), as its modellist names them.
                    listed = Path.Combine("models", safe + ".save");
                    var canonical = Array.ConvertAll(r.Model.Weights, w => (double)w);
                    XgbLinearBinaryFormat.Write(Path.Combine(outDir, listed),
                        new XgbLinearModel(r.Model.BaseScore, r.Model.Bias, FeatureLayout.FromCanonical(canonical, padded: true), "reg:linear", r.Model.BoostedRounds),
                        binfHeader: true);
                }
                list.Append(CultureInfo.InvariantCulture, $"./{listed}\t{r.Tissue}\n");
                rows.Add((r, json));
                string rho = double.IsFinite(r.HoldoutSpearman) ? r.HoldoutSpearman.ToString("F4", CultureInfo.InvariantCulture) : "NA";
                string note = ExpressionModelTraining.HoldoutNote(r);
                Console.WriteLine($"{r.Tissue}\ttrain {r.TrainRows}\tholdout {r.HoldoutRows}\tSpearman {rho}{(note.Length > 0 ? "\t(" + note + ")" : "")}");
            }
            await ExpressionModelTraining.WriteHoldoutTsvAsync(Path.Combine(outDir, "holdout_predictions.tsv"), results);
            await ExpressionModelTraining.WriteSummaryTsvAsync(Path.Combine(outDir, "summary.tsv"), rows);
            await ExPecto.Analysis.Io.AtomicFile.WriteAllTextAsync(Path.Combine(outDir, "modellist"), list.ToString());
            if (!expectoLayout)
                Console.Error.WriteLine($"expecto: {x.Cols} features (not 10·F as `expecto features` writes): models written as XGBoost JSON only; the expression loaders need 10·F");
            Console.Error.WriteLine($"expecto: {results.Length} tissue models in {outDir} (modellist for --models)");
            return 0;
        });
        return command;
    }

    /// <summary>GTF/GFF3, geneanno.csv or a TSS BED, through the same reader the prediction commands use.</summary>
    private static IReadOnlyList<GeneAnnotation> ReadAnnotation(string path) =>
        ExPecto.Core.Annotation.GeneAnnotation.Load(path).Genes
            .Select(g => new GeneAnnotation(g.Id, g.Symbol, g.Chrom, g.StrandChar, g.Tss, g.Tss, g.Type)).ToArray();

    /// <summary>"VALUE" sets every tissue, "TISSUE=VALUE" one tissue (later wins); the default is ExPecto's GTEx 0.0001.</summary>
    private static Func<string, double> ParsePseudocounts(string[] specs, IReadOnlyList<string> tissues)
    {
        double all = 0.0001;
        var perTissue = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string spec in specs)
        {
            int eq = spec.LastIndexOf('=');
            string name = eq > 0 ? spec[..eq] : "", value = eq > 0 ? spec[(eq + 1)..] : spec;
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double pc) || !(pc > 0) || !double.IsFinite(pc))
                throw new InputException($"--pseudocount expects a positive number or TISSUE=NUMBER, found '{spec}'");
            if (eq <= 0) { all = pc; continue; }
            if (!tissues.Contains(name)) throw new InputException($"--pseudocount names tissue '{name}', which is not a column of the expression table");
            perTissue[name] = pc;
        }
        return t => perTissue.TryGetValue(t, out double v) ? v : all;
    }
}
