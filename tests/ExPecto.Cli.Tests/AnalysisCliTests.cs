using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using ExPecto.Analysis.Io;
using ExPecto.Analysis.Statistics;
using ExPecto.Analysis.Training;
using ExPecto.Testing;

namespace ExPecto.Cli.Tests;

/// <summary>
/// The analysis commands (features, train, evaluate, constraints, risk, gwas-prioritize, report) end to end through the
/// `expecto` executable, on one small bundled-demo run and on real-format inputs. Each command: a success path whose
/// output content is checked, and one bad input (exit code 2, one error line, nothing written).
/// </summary>
public sealed class AnalysisCliTests(DemoRunFixture demo) : IClassFixture<DemoRunFixture>
{
    private static readonly string[] s_demoTissues =
        ["DEMO Liver (not biological)", "DEMO Brain (not biological)", "DEMO Whole Blood (not biological)", "DEMO K562 (not biological)"];

    private static void AssertOk(ExpectoRun run) => Assert.True(run.ExitCode == 0, run.ToString());

    private static void AssertBadInput(ExpectoRun run, params string[] mentions)
    {
        Assert.True(run.ExitCode == 2, $"expected exit code 2 (bad input)\n{run}");
        Assert.DoesNotContain("   at ", run.StdErr + run.StdOut);
        var errors = run.ErrLines.Where(l => l.StartsWith("expecto: error: ", StringComparison.Ordinal)).ToArray();
        Assert.True(errors.Length == 1 && run.ErrLines.Count(l => !l.StartsWith("expecto: using DEMONSTRATION", StringComparison.Ordinal)) == 1,
            $"expected exactly one error line on stderr\n{run}");
        foreach (string m in mentions) Assert.Contains(m, errors[0]);
    }

    private static void AssertEmpty(string dir)
    {
        if (!Directory.Exists(dir)) return;
        var found = Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).ToArray();
        Assert.True(found.Length == 0, "expected nothing written, found: " + string.Join(", ", found));
    }

    private static string[][] ReadTsv(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToArray();

    private static double D(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private async Task<IReadOnlyList<GeneEffects>> RunEffects() =>
        await EffectsFile.ReadManyAsync(Path.Combine(demo.Run, "effects"), TestContext.Current.CancellationToken);

    [Fact]
    public async Task Demo_run_and_features_give_the_inputs_the_analysis_commands_read()
    {
        AssertOk(demo.RunResult);
        AssertOk(demo.FeaturesResult);
        var effects = await RunEffects();
        Assert.Equal(DemoRunFixture.GtexGenes.Order(), effects.Select(e => e.Gene[0]).Order());
        Assert.All(effects, e => Assert.Equal(3 * 3, e.Count)); // radius 1: 3 positions × 3 alternative bases
        Assert.All(effects, e => Assert.Equal(s_demoTissues, e.Tissues));

        var x = await FeatureMatrix.ReadParquetAsync(demo.Features, TestContext.Current.CancellationToken);
        Assert.Equal(DemoRunFixture.GtexGenes, x.RowNames);
        Assert.Equal(20_020, x.Cols);
        Assert.Equal(["chr20", "chr20", "chr20"], x.RowChrom);
        Assert.All(x.Values, v => Assert.True(float.IsFinite(v)));
        Assert.Contains(x.Values, v => v != 0);
    }

    [Fact]
    public void Features_with_an_unknown_gene_is_one_error_line_and_writes_nothing()
    {
        string dir = demo.NewDir("features-bad");
        var run = ExpectoProcess.Run(TestPaths.RepoRoot, "features", "--genes", "ENSG_NOT_A_GENE", "--out", Path.Combine(dir, "f.parquet"));
        AssertBadInput(run, "ENSG_NOT_A_GENE");
        AssertEmpty(dir);
    }

    [Fact]
    public async Task Train_on_demo_features_and_gtex_expression_writes_models_the_expression_loaders_read()
    {
        AssertOk(demo.FeaturesResult);
        string gtex = TestPaths.RequireSharedData("gtex_v7_median_tpm_subset/gene_expression.csv");
        string outDir = demo.NewDir("train-demo");
        string[] tissues = ["Liver", "Whole Blood", "Testis"];
        var run = ExpectoProcess.Run(TestPaths.RepoRoot, ["train", "--features", demo.Features, "--expression", gtex, "--out", outDir,
            "--holdout", "none", "--tissue", .. tissues]);
        AssertOk(run);
        string training = Path.Combine(outDir, "training");
        var summary = ReadTsv(Path.Combine(training, "summary.tsv"));
        Assert.Equal(["tissue", "model", "train_genes", "holdout_genes", "holdout_spearman", "note"], summary[0]);
        Assert.Equal(tissues, summary.Skip(1).Select(r => r[0]));
        Assert.All(summary.Skip(1), r => Assert.Equal(["3", "0", "NA"], r[2..5]));
        Assert.All(summary.Skip(1), r => Assert.Contains("not evaluated", r[5]));
        Assert.Contains("no holdout genes", run.StdOut);

        // The models predict the labels they were fitted to in order (3 genes, shrunk by lambda = 100 per row).
        var x = await FeatureMatrix.ReadParquetAsync(demo.Features, TestContext.Current.CancellationToken);
        var model = await GblinearModel.LoadXgboostJsonAsync(Path.Combine(training, "models", "Liver.json"));
        Assert.Equal(2f, model.BaseScore);
        Assert.Equal(100, model.BoostedRounds);
        var expr = ExpressionTable.ReadCsv(gtex);
        int liver = expr.Tissues.ToList().IndexOf("Liver");
        var labels = x.RowNames.Select(g => Math.Log(expr.Values[liver][expr.Genes.ToList().IndexOf(g)] + 0.0001)).ToArray();
        var fitted = model.Predict(x);
        Assert.Equal(1.0, Rank.Spearman(fitted.Select(v => (double)v).ToArray(), labels), 1e-12);

        // The existing loaders read the model list: predict-expression recomputes the features and applies the models.
        string predicted = Path.Combine(outDir, "predicted.tsv");
        AssertOk(ExpectoProcess.Run(TestPaths.RepoRoot, "predict-expression", "--models", Path.Combine(training, "modellist"),
            "--genes", string.Join(',', DemoRunFixture.GtexGenes), "--out", predicted));
        var table = ReadTsv(predicted);
        Assert.Equal(["gene", "chrom", "strand", "tss", .. tissues], table[0]);
        for (int i = 0; i < x.Rows; i++)
        {
            Assert.Equal(x.RowNames[i], table[i + 1][0]);
            Assert.Equal(fitted[i], D(table[i + 1][4]), 1e-3);
        }
    }

    [Fact]
    public void Train_holding_out_the_only_chromosome_is_one_error_line_and_writes_nothing()
    {
        AssertOk(demo.FeaturesResult);
        string gtex = TestPaths.RequireSharedData("gtex_v7_median_tpm_subset/gene_expression.csv");
        string outDir = demo.NewDir("train-bad");
        var run = ExpectoProcess.Run(TestPaths.RepoRoot, "train", "--features", demo.Features, "--expression", gtex, "--out", outDir, "--holdout", "chr20");
        AssertBadInput(run, "holdout chromosome chr20");
        AssertEmpty(outDir);
    }

    /// <summary>
    /// The gblinear fixture (tests/fixtures/make_fixtures_train.py, python3-xgboost 1.7.4) through the command line:
    /// 240 training genes on chr1, 60 holdout genes on chr8; the trained weights are XGBoost's.
    /// </summary>
    [Fact]
    public async Task Train_through_the_command_line_reproduces_xgboost_gblinear_and_scores_the_chr8_holdout()
    {
        static float[][] Matrix(string name) => File.ReadAllLines(TestPaths.Fixture("gblinear/" + name)).Where(l => l.Length > 0)
            .Select(l => l.Split('\t').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var xTrain = Matrix("X_train.tsv");
        var xTest = Matrix("X_test.tsv");
        var y = Matrix("y_train.tsv").Select(r => r[0]).ToArray();
        var predTest = Matrix("pred_test.tsv").Select(r => r[0]).ToArray();
        var expected = Matrix("weights.tsv").Select(r => r[0]).ToArray();
        int p = xTrain[0].Length, n = xTrain.Length + xTest.Length;

        string dir = demo.NewDir("train-xgb");
        var rows = xTrain.Concat(xTest).ToArray();
        var ids = Enumerable.Range(0, n).Select(i => $"G{i:D3}").ToArray();
        var matrix = new FeatureMatrix(n, p, rows.SelectMany(r => r).ToArray(), ids, Enumerable.Range(0, p).Select(j => $"x{j}").ToArray())
        {
            RowChrom = Enumerable.Range(0, n).Select(i => i < xTrain.Length ? "chr1" : "chr8").ToArray(),
            RowType = Enumerable.Repeat("protein_coding", n).ToArray(),
        };
        string features = Path.Combine(dir, "features.parquet");
        await matrix.WriteParquetAsync(features, TestContext.Current.CancellationToken);
        // Expression = e^label − pseudocount, so ln(expression + 0.0001) gives back the fixture's labels; the holdout
        // genes get expression increasing with XGBoost's own prediction, so their Spearman must be exactly 1.
        var csv = new StringBuilder("gene_id,Liver\n");
        for (int i = 0; i < xTrain.Length; i++) csv.Append(CultureInfo.InvariantCulture, $"{ids[i]},{F(Math.Exp(y[i]) - 0.0001)}\n");
        for (int i = 0; i < xTest.Length; i++) csv.Append(CultureInfo.InvariantCulture, $"{ids[xTrain.Length + i]},{F(Math.Exp(predTest[i]))}\n");
        string expression = Path.Combine(dir, "expression.csv");
        File.WriteAllText(expression, csv.ToString());

        var run = ExpectoProcess.Run(dir, "train", "--features", features, "--expression", expression, "--out", dir);
        AssertOk(run);
        var model = await GblinearModel.LoadXgboostJsonAsync(Path.Combine(dir, "training", "models", "Liver.json"));
        Assert.Equal(p, model.NumFeature);
        for (int j = 0; j < p; j++) Assert.Equal(expected[j], model.Weights[j], 1e-6f);
        Assert.Equal(expected[p], model.Bias, 1e-6f);

        var summary = ReadTsv(Path.Combine(dir, "training", "summary.tsv"));
        Assert.Equal(["Liver", "models/Liver.json", "240", "60"], summary[1][..4]);
        Assert.Equal(1.0, D(summary[1][4]), 1e-12);
        var holdout = ReadTsv(Path.Combine(dir, "training", "holdout_predictions.tsv"));
        Assert.Equal(61, holdout.Length);
        for (int i = 0; i < xTest.Length; i++) Assert.Equal(predTest[i], D(holdout[i + 1][3]), 1e-5);
    }

    [Fact]
    public async Task Evaluate_reports_direction_accuracy_auroc_and_spearman_per_tissue_for_kircher_mpra_measurements()
    {
        AssertOk(demo.RunResult);
        var effects = await RunEffects();
        // A real-format Kircher et al. 2019 elements.tsv.gz over the run's mutations: the measured log2 effect has the
        // sign of the Liver prediction for every variant except every fourth one.
        var rows = effects.SelectMany(e => Enumerable.Range(0, e.Count).Select(i => (e, i))).ToArray();
        var sb = new StringBuilder("Chrom\tPos\tRef\tAlt\tBarcodes\tDNA\tRNA\tCoefficient\tpValue\tElement\tRelease\n");
        var measured = new List<double>();
        var liver = new List<double>();
        for (int k = 0; k < rows.Length; k++)
        {
            var (e, i) = rows[k];
            double pred = e.Tissue(s_demoTissues[0])[i];
            double coef = (k % 4 == 3 ? -1 : 1) * Math.Sign(pred) * (0.1 + k * 0.01);
            measured.Add(coef);
            liver.Add(pred);
            sb.Append(CultureInfo.InvariantCulture, $"{e.Chrom[i][3..]}\t{e.Pos[i]}\t{e.Ref[i]}\t{e.Alt[i]}\t10\t100\t100\t{F(coef)}\t1e-6\tDEMO\tGRCh37\n");
            sb.Append(CultureInfo.InvariantCulture, $"{e.Chrom[i][3..]}\t{e.Pos[i] + 5_000_000}\t{e.Ref[i]}\t{e.Alt[i]}\t10\t100\t100\t{F(coef)}\t1e-6\tDEMO\tGRCh38\n");
        }
        string dir = demo.NewDir("evaluate");
        string elements = Path.Combine(dir, "elements.tsv.gz");
        await using (var gz = new GZipStream(File.Create(elements), CompressionLevel.Fastest))
            await gz.WriteAsync(Encoding.UTF8.GetBytes(sb.ToString()), TestContext.Current.CancellationToken);

        var run = ExpectoProcess.Run(dir, "evaluate", "--measured", elements, "--predictions", Path.Combine(demo.Run, "effects"), "--out", dir);
        AssertOk(run);
        var summary = ReadTsv(Path.Combine(dir, "evaluation", "summary.tsv"));
        Assert.Equal(["tissue", "variants", "auroc", "spearman", "direction_accuracy"], summary[0]);
        Assert.Equal(s_demoTissues, summary.Skip(1).Select(r => r[0]));
        var liverRow = summary[1];
        Assert.Equal(rows.Length, int.Parse(liverRow[1], CultureInfo.InvariantCulture));
        var directed = Enumerable.Range(0, rows.Length).Where(k => liver[k] != 0).ToArray();
        Assert.Equal((double)directed.Count(k => k % 4 != 3) / directed.Length, D(liverRow[4]), 1e-12);
        Assert.Equal(Rank.Spearman(liver, measured), D(liverRow[3]), 1e-12);
        Assert.Equal(Rank.Auroc(liver, measured.Select(m => m > 0).ToArray()), D(liverRow[2]), 1e-12);

        var curve = ReadTsv(Path.Combine(dir, "evaluation", "curve.tsv"));
        var liverCurve = curve.Skip(1).Where(r => r[0] == s_demoTissues[0]).ToArray();
        Assert.NotEmpty(liverCurve);
        Assert.Equal(directed.Length, int.Parse(liverCurve[^1][2], CultureInfo.InvariantCulture));
        Assert.True(liverCurve.Select(r => D(r[1])).Zip(liverCurve.Skip(1).Select(r => D(r[1]))).All(c => c.First >= c.Second), "cutoffs fall as more variants are included");
        Assert.True(new FileInfo(Path.Combine(dir, "evaluation", "direction_accuracy.png")).Length > 1000);
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(dir, "evaluation", "direction_accuracy.svg")));
    }

    [Fact]
    public async Task Evaluate_reads_a_sure_raqtl_list_against_a_predict_variants_table()
    {
        AssertOk(demo.RunResult);
        var effects = await RunEffects();
        string dir = demo.NewDir("evaluate-sure");
        // A predict-variants TSV (chrom, pos, ref, alt, gene, strand, dist, tissues) and a SuRE raQTL list in the
        // published layout (van Arensbergen et al. 2019, k562.sign.id.LP190708.txt.gz) over the same variants.
        var pv = new StringBuilder("chrom\tpos\tref\talt\tgene\tstrand\tdist\t" + string.Join('\t', s_demoTissues) + "\n");
        var sure = new StringBuilder("chr\tSNP_ID\tSNPabspos\tref.element.count\talt.element.count\tk562.ref.mean\tk562.alt.mean\tk562.wilcox.p.value\tk562.wilcox.p.value.random\tref\talt\n");
        var measured = new List<double>();
        var brain = new List<double>();
        int k = 0;
        foreach (var e in effects)
            for (int i = 0; i < e.Count; i++, k++)
            {
                pv.Append(CultureInfo.InvariantCulture, $"{e.Chrom[i]}\t{e.Pos[i]}\t{e.Ref[i]}\t{e.Alt[i]}\t{e.Gene[i]}\t+\t{e.Dist[i]}\t{string.Join('\t', s_demoTissues.Select(t => F(e.Tissue(t)[i])))}\n");
                double refMean = 1 + k % 5, altMean = 0.5 + (k * 7 % 11);
                measured.Add(Math.Log2((altMean + 0.01) / (refMean + 0.01)));
                brain.Add(e.Tissue(s_demoTissues[1])[i]);
                sure.Append(CultureInfo.InvariantCulture, $"{e.Chrom[i]}\trs{k}\t{e.Pos[i]}\t100\t100\t{F(refMean)}\t{F(altMean)}\t1e-5\t0.5\t{e.Ref[i]}\t{e.Alt[i]}\n");
            }
        string pvPath = Path.Combine(dir, "pv.tsv"), surePath = Path.Combine(dir, "k562.sign.id.test.txt");
        File.WriteAllText(pvPath, pv.ToString());
        File.WriteAllText(surePath, sure.ToString());

        var run = ExpectoProcess.Run(dir, "evaluate", "--measured", surePath, "--predictions", pvPath);
        AssertOk(run);
        var summary = ReadTsv(Path.Combine(dir, "evaluation", "summary.tsv"));
        Assert.Equal(s_demoTissues, summary.Skip(1).Select(r => r[0]));
        Assert.Equal(k, int.Parse(summary[2][1], CultureInfo.InvariantCulture));
        Assert.Equal(Rank.Spearman(brain, measured), D(summary[2][3]), 1e-6);
    }

    [Fact]
    public void Evaluate_with_no_measured_variant_among_the_predictions_is_one_error_line_and_writes_nothing()
    {
        AssertOk(demo.RunResult);
        string dir = demo.NewDir("evaluate-bad");
        string vcf = Path.Combine(dir, "measured.vcf");
        File.WriteAllText(vcf, "##fileformat=VCFv4.2\nchr1\t100\trs1\tA\tG\t.\tPASS\tLOG2FC=1.5;P=1e-6\n");
        string outDir = Path.Combine(dir, "out");
        var run = ExpectoProcess.Run(dir, "evaluate", "--measured", vcf, "--predictions", Path.Combine(demo.Run, "effects"), "--out", outDir);
        AssertBadInput(run, "none of the 1 measured variants");
        AssertEmpty(outDir);
    }

    [Fact]
    public async Task Constraints_recover_a_planted_mixture_through_the_command_line()
    {
        // 2,400 genes: 90 % null N(3, 2²) and 5 % each of a positive (mean −9) and a negative (mean +15) constraint component.
        var rng = new Random(11);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var truth = new Dictionary<string, string>();
        var genes = new List<GeneVariationPotential>();
        for (int i = 0; i < 2400; i++)
        {
            double u = rng.NextDouble();
            string kind = u < 0.05 ? "positive" : u < 0.10 ? "negative" : "none";
            double d = kind switch { "positive" => -9 + Gauss(), "negative" => 15 + Gauss(), _ => 3 + 2 * Gauss() };
            truth[$"G{i}"] = kind;
            genes.Add(new GeneVariationPotential($"G{i}", "Liver", d, Math.Abs(d) + 50, 6003, 0));
        }
        string dir = demo.NewDir("constraints");
        string parquet = Path.Combine(dir, "genes.parquet");
        await GeneTable.WriteAsync(parquet, genes, TestContext.Current.CancellationToken);

        var run = ExpectoProcess.Run(dir, "constraints", "--genes", parquet);
        AssertOk(run);
        string outDir = Path.Combine(dir, "constraints");
        var nulls = ReadTsv(Path.Combine(outDir, "null.tsv"));
        Assert.Equal("Liver", nulls[1][0]);
        Assert.InRange(D(nulls[1][1]), 2.8, 3.2);   // mu0
        Assert.InRange(D(nulls[1][2]), 1.8, 2.25);  // sigma0
        Assert.InRange(D(nulls[1][3]), 0.85, 0.97); // pi0
        var calls = ReadTsv(Path.Combine(outDir, "calls.tsv")).Skip(1).ToArray();
        Assert.Equal(2400, calls.Length);
        // Against the Bayes-optimal calls, which know the planted components: nearly as accurate, and most of each
        // planted component recovered.
        static double Pdf(double x, double mu, double sd) => Math.Exp(-0.5 * Math.Pow((x - mu) / sd, 2)) / sd;
        string Bayes(double d)
        {
            double n0 = 0.90 * Pdf(d, 3, 2), pos = 0.05 * Pdf(d, -9, 1), neg = 0.05 * Pdf(d, 15, 1), all = n0 + pos + neg;
            return pos / all > 0.5 ? "positive" : neg / all > 0.5 ? "negative" : "none";
        }
        double accBayes = calls.Average(c => Bayes(D(c[2])) == truth[c[0]] ? 1.0 : 0.0);
        double accOurs = calls.Average(c => c[6] == truth[c[0]] ? 1.0 : 0.0);
        Assert.True(accBayes > 0.99, $"sanity: Bayes accuracy {accBayes}");
        Assert.True(accOurs > accBayes - 0.01, $"accuracy {accOurs:F4} vs Bayes-optimal {accBayes:F4}");
        foreach (string kind in new[] { "positive", "negative" })
        {
            int planted = truth.Count(t => t.Value == kind);
            int hits = calls.Count(c => c[6] == kind && truth[c[0]] == kind);
            Assert.True(hits >= 0.95 * planted, $"{kind}: {hits} of {planted} planted genes called");
        }
        foreach (var c in calls) Assert.Equal(c[6] == "positive", D(c[4]) > 0.5);
        var density = ReadTsv(Path.Combine(outDir, "density.tsv"));
        Assert.Equal(["tissue", "z", "count", "mixture_density", "null_density", "local_fdr"], density[0]);
        Assert.Equal(2400, density.Skip(1).Sum(r => D(r[2])));
    }

    [Fact]
    public void Constraints_on_the_demo_run_with_too_few_genes_is_one_error_line_and_writes_nothing()
    {
        AssertOk(demo.RunResult);
        string outDir = demo.NewDir("constraints-bad");
        var run = ExpectoProcess.Run(TestPaths.RepoRoot, "constraints", "--genes", Path.Combine(demo.Run, "genes.parquet"), "--out", outDir);
        AssertBadInput(run, "need at least 10");
        AssertEmpty(outDir);
    }

    [Fact]
    public async Task Risk_scores_every_demo_mutation_by_the_median_over_non_cancer_tissues_of_effect_times_directionality()
    {
        AssertOk(demo.RunResult);
        string dir = demo.NewDir("risk");
        // The demo's K562 model stands for a cancer line here: the score must leave it out.
        string meta = Path.Combine(dir, "tissues.tsv");
        File.WriteAllText(meta, "tissue\tcancer\n" + string.Join("", s_demoTissues.Select(t => $"{t}\t{(t.Contains("K562", StringComparison.Ordinal) ? 1 : 0)}\n")));
        string outPath = Path.Combine(dir, "risk.tsv");
        var run = ExpectoProcess.Run(dir, "risk", "--effects", Path.Combine(demo.Run, "effects"), "--genes", Path.Combine(demo.Run, "genes.parquet"),
            "--tissue-metadata", meta, "--out", outPath);
        AssertOk(run);

        var genes = await GeneTable.ReadAsync(Path.Combine(demo.Run, "genes.parquet"), TestContext.Current.CancellationToken);
        var effects = await RunEffects();
        var table = ReadTsv(outPath);
        Assert.Equal(["gene", "chrom", "pos", "ref", "alt", "dist", "violation_score", "max_abs_effect", "max_tissue", "max_effect"], table[0]);
        Assert.Equal(effects.Sum(e => e.Count), table.Length - 1);
        var scores = table.Skip(1).Select(r => D(r[6])).ToArray();
        Assert.True(scores.Zip(scores.Skip(1)).All(s => s.First >= s.Second), "sorted by violation score, highest first");
        var byKey = table.Skip(1).ToDictionary(r => (r[0], int.Parse(r[2], CultureInfo.InvariantCulture), r[4]));
        foreach (var e in effects)
            for (int i = 0; i < e.Count; i++)
            {
                var products = s_demoTissues.Take(3)
                    .Select(t => e.Tissue(t)[i] * genes.Single(g => g.Gene == e.Gene[i] && g.Tissue == t).Directionality).Order().ToArray();
                var row = byKey[(e.Gene[i], e.Pos[i], e.Alt[i])];
                Assert.Equal(products[1], D(row[6]), 1e-6); // median of three
                Assert.NotEqual(s_demoTissues[3], row[8]);
            }
    }

    [Fact]
    public void Risk_with_a_malformed_tissue_metadata_table_is_one_error_line_and_writes_nothing()
    {
        AssertOk(demo.RunResult);
        string dir = demo.NewDir("risk-bad");
        string meta = Path.Combine(dir, "tissues.tsv");
        File.WriteAllText(meta, "tissue\tcancer\nLiver\tmaybe\n");
        string outDir = Path.Combine(dir, "out");
        var run = ExpectoProcess.Run(dir, "risk", "--effects", Path.Combine(demo.Run, "effects"), "--genes", Path.Combine(demo.Run, "genes.parquet"),
            "--tissue-metadata", meta, "--out", Path.Combine(outDir, "risk.tsv"));
        AssertBadInput(run, "tissues.tsv", "maybe");
        AssertEmpty(outDir);
    }

    [Fact]
    public async Task Gwas_prioritize_ranks_each_locus_by_the_largest_non_cancer_predicted_effect()
    {
        AssertOk(demo.RunResult);
        var effects = await RunEffects();
        var e = effects[0];
        string dir = demo.NewDir("gwas");
        // One locus: four LD variants from the run (r² falling) and one the run never scored.
        var sb = new StringBuilder("lead\tSNP_B\tchrom\tpos\tref\talt\tR2\n");
        for (int i = 0; i < 4; i++) sb.Append(CultureInfo.InvariantCulture, $"rsLEAD\tv{i}\t{e.Chrom[i]}\t{e.Pos[i]}\t{e.Ref[i]}\t{e.Alt[i]}\t{F(1 - 0.1 * i)}\n");
        sb.Append("rsLEAD\tvNone\tchr20\t100\tA\tG\t0.99\n");
        string loci = Path.Combine(dir, "loci.tsv");
        File.WriteAllText(loci, sb.ToString());

        var run = ExpectoProcess.Run(dir, "gwas-prioritize", "--loci", loci, "--effects", Path.Combine(demo.Run, "effects"));
        AssertOk(run);
        var table = ReadTsv(Path.Combine(dir, "gwas.tsv"));
        Assert.Equal(["locus", "rank", "variant", "chrom", "pos", "ref", "alt", "r2", "gene", "max_abs_effect", "max_tissue", "max_effect"], table[0]);
        // The demo tissues are not in ExPecto's metadata, so all four count as non-cancer.
        var expected = Enumerable.Range(0, 4).OrderByDescending(i => s_demoTissues.Max(t => Math.Abs(e.Tissue(t)[i]))).Select(i => $"v{i}").Append("vNone");
        Assert.Equal(expected, table.Skip(1).Select(r => r[2]));
        Assert.Equal(["1", "2", "3", "4", "5"], table.Skip(1).Select(r => r[1]));
        Assert.Equal(s_demoTissues.Max(t => Math.Abs(e.Tissue(t)[int.Parse(table[1][2][1..], CultureInfo.InvariantCulture)])), D(table[1][9]), 1e-6);
        Assert.Equal("NA", table[5][8]);
    }

    [Fact]
    public void Gwas_prioritize_with_loci_lacking_r2_is_one_error_line_and_writes_nothing()
    {
        AssertOk(demo.RunResult);
        string dir = demo.NewDir("gwas-bad");
        string loci = Path.Combine(dir, "loci.tsv");
        File.WriteAllText(loci, "locus\tvariant\tchrom\tpos\tref\talt\nrs1\trs1\tchr20\t100\tA\tG\n");
        string outDir = Path.Combine(dir, "out");
        var run = ExpectoProcess.Run(dir, "gwas-prioritize", "--loci", loci, "--effects", Path.Combine(demo.Run, "effects"), "--out", Path.Combine(outDir, "gwas.tsv"));
        AssertBadInput(run, "loci.tsv", "r2");
        AssertEmpty(outDir);
    }

    [Fact]
    public void Report_of_the_demo_run_renders_in_headless_chromium()
    {
        AssertOk(demo.RunResult);
        string run = demo.NewDir("report");
        foreach (string f in Directory.EnumerateFiles(demo.Run, "*", SearchOption.AllDirectories).Where(f => !f.Contains("_state", StringComparison.Ordinal)))
        {
            string target = Path.Combine(run, Path.GetRelativePath(demo.Run, f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target);
        }
        var result = ExpectoProcess.Run(run, "report", run);
        AssertOk(result);
        string page = Path.Combine(run, "report", "index.html");
        Assert.Equal(page, result.StdOut.Trim());
        string html = File.ReadAllText(page);
        Assert.Contains("Demonstration run", html);
        Assert.Contains("src=\"saturation_mutagenesis.png\"", html);
        Assert.Contains("src=\"variation_potential.png\"", html);
        Assert.Contains("DEMO Liver (not biological)", html);
        foreach (string fig in new[] { "saturation_mutagenesis", "variation_potential" })
        {
            Assert.True(new FileInfo(Path.Combine(run, "report", fig + ".png")).Length > 5000, fig);
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(run, "report", fig + ".svg")));
        }

        string? chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
        if (chromium is null) Assert.Skip("no headless Chromium (apt-get install -y chromium)");
        string shot = Path.Combine(run, "screenshot.png");
        var psi = new ProcessStartInfo(chromium,
            ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--hide-scrollbars",
             $"--screenshot={shot}", "--window-size=1100,2400", "file://" + page])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var proc = Process.Start(psi)!;
        proc.StandardOutput.ReadToEnd();
        string err = proc.StandardError.ReadToEnd();
        Assert.True(proc.WaitForExit(TimeSpan.FromSeconds(120)), "chromium did not finish");
        Assert.True(File.Exists(shot), err);
        Assert.True(new FileInfo(shot).Length > 50_000, "the screenshot is nearly blank");
    }

    [Fact]
    public void Report_of_a_missing_folder_is_one_error_line()
    {
        string missing = Path.Combine(demo.Root, "no-such-run");
        var run = ExpectoProcess.Run(demo.Root, "report", missing);
        AssertBadInput(run, "no-such-run");
        Assert.False(Directory.Exists(missing));
    }

    [Theory]
    [InlineData("features", "--genes --out --genome --annotation --beluga")]
    [InlineData("train", "--features --expression --out --annotation --pseudocount --holdout --lambda --alpha --eta --base-score --rounds --tissue")]
    [InlineData("evaluate", "--measured --predictions --out --format --max-p --group --curve-points")]
    [InlineData("constraints", "--genes --out --central-width")]
    [InlineData("risk", "--effects --genes --out --tissue-metadata")]
    [InlineData("gwas-prioritize", "--loci --effects --out --tissue-metadata")]
    [InlineData("report", "RUNDIR --run --tissue --gene")]
    public void Help_documents_every_option(string command, string options)
    {
        var run = ExpectoProcess.Run(demo.Root, command, "--help");
        AssertOk(run);
        foreach (string o in options.Split(' '))
            Assert.Contains(o, run.StdOut);
    }
}
