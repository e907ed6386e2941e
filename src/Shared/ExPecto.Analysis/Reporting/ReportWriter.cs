using System.Globalization;
using System.Net;
using System.Text;
using ExPecto.Analysis.Constraints;
using ExPecto.Analysis.Evaluation;
using ExPecto.Analysis.Io;
using ExPecto.Analysis.Plots;
using ExPecto.Analysis.Risk;

namespace ExPecto.Analysis.Reporting;

/// <summary>What the report shows; null picks a default (the first non-cancer tissue, the first gene's effects file).</summary>
public sealed record ReportOptions
{
    public string? Tissue { get; init; }
    public string? Gene { get; init; }
    public string Title { get; init; } = "ExPecto run report";
}

/// <summary>
/// Writes <c>&lt;run&gt;/report/index.html</c> with summary tables and figures (PNG shown, SVG linked) for a run folder:
/// <list type="bullet">
/// <item><c>genes.parquet</c> → per-tissue constraint table (μ0, σ0, π0, calls) and the variation-potential scatter;</item>
/// <item><c>effects/chrom=*/&lt;gene&gt;.parquet</c> → the saturation-mutagenesis map of one gene;</item>
/// <item><c>evaluation/summary.tsv</c> and <c>evaluation/curve.tsv</c> (from <c>expecto evaluate</c>) → metrics table and
///   direction-accuracy curve;</item>
/// <item><c>training/summary.tsv</c> (from <c>expecto train</c>) → holdout Spearman table.</item>
/// </list>
/// Sections whose inputs are absent are listed as such.
/// </summary>
public static class ReportWriter
{
    public static async Task<string> WriteAsync(string runDir, ReportOptions? options = null, CancellationToken ct = default)
    {
        options ??= new ReportOptions();
        if (!Directory.Exists(runDir)) throw new DirectoryNotFoundException($"run folder '{runDir}' does not exist");
        string outDir = Path.Combine(runDir, "report");
        Directory.CreateDirectory(outDir);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(options.Title)).Append("</title>\n");
        html.Append("<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0;font-size:90%}")
            .Append("td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}th{background:#eee;text-align:left}td.l,th.l{text-align:left}")
            .Append("td{white-space:nowrap}img{max-width:100%;border:1px solid #ddd}.missing{color:#888}")
            .Append(".demo{background:#fff3cd;border:1px solid #e0c060;padding:.6em 1em}</style></head><body>\n");
        html.Append("<h1>").Append(E(options.Title)).Append("</h1>\n<p>Run folder: <code>").Append(E(Path.GetFullPath(runDir))).Append("</code></p>\n");
        int bannerAt = html.Length;

        ManifestSection(html, runDir);
        await GenesSection(html, runDir, outDir, options, ct);
        await EffectsSection(html, runDir, outDir, options, ct);
        await EvaluationSection(html, runDir, outDir);
        TopRowsSection(html, runDir, "risk.tsv", "Constraint-violation scores (expecto risk), highest first", 15);
        TopRowsSection(html, runDir, "gwas.tsv", "GWAS loci: LD variants ranked by predicted |effect| (expecto gwas-prioritize)", 30);
        TrainingSection(html, runDir);
        if (html.ToString().Contains("(not biological)", StringComparison.Ordinal))
            html.Insert(bannerAt, "<p class=\"demo\"><b>Demonstration run.</b> The tissue models and chromatin weights of this run are random " +
                "(\"not biological\"): the numbers and figures exercise the pipeline and mean nothing biologically.</p>\n");

        html.Append("</body></html>\n");
        string path = Path.Combine(outDir, "index.html");
        await AtomicFile.WriteAllTextAsync(path, html.ToString());
        return path;
    }

    private static void ManifestSection(StringBuilder html, string runDir)
    {
        string path = Path.Combine(runDir, "manifest.json");
        if (!File.Exists(path)) return;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            string Get(string name) => root.TryGetProperty(name, out var v) ? v.ToString() : "";
            string radius = root.TryGetProperty("parameters", out var p) && p.TryGetProperty("radius", out var r) ? r.ToString() : "";
            html.Append("<h2>Run</h2>\n<table><tr><th class=\"l\">job</th><th class=\"l\">status</th><th>genes</th><th>committed</th><th>radius (bp)</th><th>mutations</th><th>strong (|effect| over threshold)</th></tr>\n")
                .Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\">{E(Get("jobId"))}</td><td class=\"l\">{E(Get("status"))}</td><td>{E(Get("genes"))}</td><td>{E(Get("committed"))}</td><td>{E(radius)}</td><td>{E(Get("rows"))}</td><td>{E(Get("strongRows"))}</td></tr>\n</table>\n");
        }
        catch (System.Text.Json.JsonException)
        {
            html.Append("<p class=\"missing\">manifest.json is not valid JSON.</p>\n");
        }
    }

    private static void TopRowsSection(StringBuilder html, string runDir, string file, string title, int rows)
    {
        string path = Path.Combine(runDir, file);
        if (!File.Exists(path)) return;
        html.Append("<h2>").Append(E(title)).Append("</h2>\n");
        var lines = File.ReadLines(path).Where(l => l.Length > 0).Take(rows + 1).ToArray();
        Table(html, lines);
        html.Append("<p>First ").Append(Math.Max(0, lines.Length - 1)).Append(" rows of <code>").Append(E(file)).Append("</code>.</p>\n");
    }

    private static async Task GenesSection(StringBuilder html, string runDir, string outDir, ReportOptions options, CancellationToken ct)
    {
        html.Append("<h2>Variation potential and evolutionary constraint</h2>\n");
        string genesPath = Path.Combine(runDir, "genes.parquet");
        if (!File.Exists(genesPath)) { Missing(html, "genes.parquet"); return; }
        var genes = await GeneTable.ReadAsync(genesPath, ct);
        var tissues = genes.Select(g => g.Tissue).Distinct().ToArray();
        html.Append(CultureInfo.InvariantCulture, $"<p>{genes.Select(g => g.Gene).Distinct().Count()} genes × {tissues.Length} tissues.</p>\n");
        // The constraints command's own output when present; otherwise fitted here the same way.
        var results = new List<(string Tissue, int Genes, EmpiricalNull Null, int Positive, int Negative)>();
        var callsByTissue = new Dictionary<string, List<GeneConstraint>>(StringComparer.Ordinal);
        string nullTsv = Path.Combine(runDir, "constraints", "null.tsv"), callsTsv = Path.Combine(runDir, "constraints", "calls.tsv");
        bool fromCommand = File.Exists(nullTsv) && File.Exists(callsTsv);
        if (fromCommand)
        {
            foreach (var f in File.ReadLines(nullTsv).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')))
                results.Add((f[0], int.Parse(f[7], CultureInfo.InvariantCulture),
                    new EmpiricalNull(P(f[1]), P(f[2]), P(f[3]), P(f[4]), P(f[5]), int.Parse(f[6], CultureInfo.InvariantCulture), int.Parse(f[7], CultureInfo.InvariantCulture)),
                    int.Parse(f[8], CultureInfo.InvariantCulture), int.Parse(f[9], CultureInfo.InvariantCulture)));
            foreach (var f in File.ReadLines(callsTsv).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')))
            {
                var call = f[6] switch { "positive" => ConstraintCall.Positive, "negative" => ConstraintCall.Negative, _ => ConstraintCall.None };
                if (!callsByTissue.TryGetValue(f[1], out var list)) callsByTissue[f[1]] = list = [];
                list.Add(new GeneConstraint(f[0], f[1], P(f[2]), P(f[3]), P(f[4]), P(f[5]), call));
            }
        }
        else
        {
            foreach (var group in genes.GroupBy(g => g.Tissue))
            {
                var rows = group.Where(g => double.IsFinite(g.Directionality)).ToArray();
                if (rows.Length < 10) continue; // too few genes for any empirical null
                var r = ConstraintAnalysis.AnalyzeTissue(group.Key, rows.Select(x => x.Gene).ToArray(), rows.Select(x => x.Directionality).ToArray());
                results.Add((r.Tissue, r.Genes.Count, r.Null, r.Genes.Count(g => g.Call == ConstraintCall.Positive), r.Genes.Count(g => g.Call == ConstraintCall.Negative)));
                callsByTissue[r.Tissue] = r.Genes.ToList();
            }
        }
        if (results.Count > 0)
        {
            html.Append("<table><tr><th class=\"l\">tissue</th><th>genes</th><th>μ0</th><th>σ0</th><th>π0</th><th>positive constraint</th><th>negative constraint</th></tr>\n");
            foreach (var r in results)
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td class=\"l\">{E(r.Tissue)}</td><td>{r.Genes}</td><td>{r.Null.Mu0:G4}</td><td>{r.Null.Sigma0:G4}</td><td>{r.Null.Pi0:F3}</td><td>{r.Positive}</td><td>{r.Negative}</td></tr>\n");
            html.Append("</table>\n<p>Empirical null by truncated-normal MLE on the central values (Efron's locfdr); calls at posterior &gt; 0.5. Positive constraint: mutations mostly lower expression.")
                .Append(fromCommand ? " From <code>constraints/</code> (expecto constraints)." : " Fitted for this page (run <code>expecto constraints</code> for the tables).");
            if (results.Any(r => r.Genes < 200)) html.Append(" <b>Fewer than 200 genes per tissue: the empirical null is rough.</b>");
            html.Append("</p>\n");
        }
        else html.Append("<p class=\"missing\">Too few genes per tissue (&lt; 10) for the constraint analysis.</p>\n");

        string tissue = options.Tissue ?? tissues.FirstOrDefault(t => !TissueMetadata.Default.IsCancer(t)) ?? tissues[0];
        var inTissue = genes.Where(g => g.Tissue == tissue).ToArray();
        if (inTissue.Length == 0) { html.Append(CultureInfo.InvariantCulture, $"<p class=\"missing\">No genes in tissue {E(tissue)}.</p>\n"); return; }
        var calls = callsByTissue.GetValueOrDefault(tissue);
        var fig = await AnalysisPlots.SaveAsync(AnalysisPlots.VariationPotentialScatter(inTissue, calls), Path.Combine(outDir, "variation_potential"));
        Figure(html, fig, $"Variation potential, {tissue}");
    }

    private static async Task EffectsSection(StringBuilder html, string runDir, string outDir, ReportOptions options, CancellationToken ct)
    {
        html.Append("<h2>In silico saturation mutagenesis</h2>\n");
        var files = EffectsFile.FindAll(Path.Combine(runDir, "effects"));
        if (files.Count == 0) { Missing(html, "effects/chrom=*/<gene>.parquet"); return; }
        html.Append(CultureInfo.InvariantCulture, $"<p>{files.Count} gene effect files.</p>\n");
        string file = options.Gene is null ? files[0]
            : files.FirstOrDefault(f => Path.GetFileNameWithoutExtension(f) == options.Gene)
              ?? throw new FileNotFoundException($"no effects file for gene '{options.Gene}' under {Path.Combine(runDir, "effects")}");
        var effects = await EffectsFile.ReadAsync(file, ct);
        if (effects.Count == 0 || effects.Tissues.Count == 0) { html.Append("<p class=\"missing\">The effects file is empty.</p>\n"); return; }
        string tissue = options.Tissue is not null && effects.Tissues.Contains(options.Tissue) ? options.Tissue
            : effects.Tissues.FirstOrDefault(t => !TissueMetadata.Default.IsCancer(t)) ?? effects.Tissues[0];
        var fig = await AnalysisPlots.SaveAsync(AnalysisPlots.SaturationMutagenesisMap(effects, tissue), Path.Combine(outDir, "saturation_mutagenesis"));
        Figure(html, fig, $"{effects.Gene[0]}: {effects.Count} mutations, {tissue}");
    }

    private static async Task EvaluationSection(StringBuilder html, string runDir, string outDir)
    {
        html.Append("<h2>Direction evaluation against measured effects</h2>\n");
        string summary = Path.Combine(runDir, "evaluation", "summary.tsv"), curve = Path.Combine(runDir, "evaluation", "curve.tsv");
        if (!File.Exists(summary)) { Missing(html, "evaluation/summary.tsv"); return; }
        Table(html, summary);
        if (!File.Exists(curve)) return;
        var lines = File.ReadAllLines(curve).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t'));
        var evals = lines.GroupBy(f => f[0]).Select(g => new TissueEvaluation(g.Key, 0, double.NaN, double.NaN, double.NaN,
            g.Select(f => new DirectionCurvePoint(P(f[1]), int.Parse(f[2], CultureInfo.InvariantCulture), P(f[3]))).ToArray())).ToArray();
        var fig = await AnalysisPlots.SaveAsync(AnalysisPlots.DirectionAccuracyCurve(evals), Path.Combine(outDir, "direction_accuracy"));
        Figure(html, fig, "Direction accuracy against the predicted |effect| cutoff");
    }

    private static void TrainingSection(StringBuilder html, string runDir)
    {
        html.Append("<h2>Tissue models: whole-chromosome holdout</h2>\n");
        string summary = Path.Combine(runDir, "training", "summary.tsv");
        if (!File.Exists(summary)) { Missing(html, "training/summary.tsv"); return; }
        // The model file column is long and says little on a page; it stays in the TSV.
        var lines = File.ReadAllLines(summary).Where(l => l.Length > 0)
            .Select(l => string.Join('\t', l.Split('\t').Where((_, i) => i != 1))).ToArray();
        Table(html, lines);
        html.Append("<p>Holdout Spearman per tissue (predicted vs observed ln(expression + pseudocount) on the held-out chromosome); models in <code>training/modellist</code>.</p>\n");
    }

    private static void Table(StringBuilder html, string tsv) => Table(html, File.ReadAllLines(tsv).Where(l => l.Length > 0).ToArray());

    private static void Table(StringBuilder html, string[] lines)
    {
        if (lines.Length == 0) return;
        html.Append("<table><tr>");
        foreach (var h in lines[0].Split('\t')) html.Append("<th>").Append(E(h)).Append("</th>");
        html.Append("</tr>\n");
        foreach (var line in lines.Skip(1))
        {
            html.Append("<tr>");
            var f = line.Split('\t');
            for (int i = 0; i < f.Length; i++)
            {
                bool number = double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || f[i] == "NA";
                string cell = number && f[i].Contains('.') ? v.ToString("G4", CultureInfo.InvariantCulture) : f[i];
                html.Append(number ? "<td>" : "<td class=\"l\">").Append(E(cell)).Append("</td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</table>\n");
    }

    private static void Figure(StringBuilder html, FigureFiles fig, string caption)
    {
        string png = Path.GetFileName(fig.Png), svg = Path.GetFileName(fig.Svg);
        html.Append("<figure><img src=\"").Append(E(png)).Append("\" alt=\"").Append(E(caption)).Append("\"><figcaption>")
            .Append(E(caption)).Append(" (<a href=\"").Append(E(svg)).Append("\">SVG</a>)</figcaption></figure>\n");
    }

    private static void Missing(StringBuilder html, string what) =>
        html.Append("<p class=\"missing\">No <code>").Append(E(what)).Append("</code> in this run.</p>\n");

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static double P(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
}
