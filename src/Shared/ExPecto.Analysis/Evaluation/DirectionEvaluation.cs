using System.Globalization;
using System.Text;
using ExPecto.Analysis.Io;
using ExPecto.Analysis.Statistics;

namespace ExPecto.Analysis.Evaluation;

/// <summary>
/// One point of the direction-accuracy curve (paper Fig. 2a): among the <paramref name="Count"/> variants with
/// predicted |effect| ≥ <paramref name="Cutoff"/>, the fraction whose predicted sign equals the measured sign.
/// </summary>
public sealed record DirectionCurvePoint(double Cutoff, int Count, double Accuracy);

/// <summary>
/// One tissue model against measured effects: AUROC of the predicted effect for "ALT raises expression"
/// (measured &gt; 0), Spearman between predicted and measured effects, overall direction accuracy and the curve.
/// </summary>
public sealed record TissueEvaluation(string Tissue, int Variants, double Auroc, double Spearman, double DirectionAccuracy, IReadOnlyList<DirectionCurvePoint> Curve);

/// <summary>A measured variant paired with its predicted effects (one row of an effects table).</summary>
public sealed record MatchedVariant(MeasuredVariant Measured, GeneEffects Table, int Row);

/// <summary>
/// Direction evaluation of predicted expression effects against reporter assays (Zhou et al. 2018, Fig. 2a).
/// Variants whose measured or predicted effect is exactly 0 have no direction and are left out of the accuracies
/// (they stay in AUROC and Spearman).
/// </summary>
public static class DirectionEvaluation
{
    /// <summary>
    /// Pairs measured variants with predictions by (chrom without "chr", pos, ref, alt). When a variant was scored for
    /// several genes, the row with the smallest |dist| (the nearest TSS) is used.
    /// </summary>
    public static IReadOnlyList<MatchedVariant> Match(IReadOnlyList<MeasuredVariant> measured, IEnumerable<GeneEffects> predictions)
    {
        var best = new Dictionary<(string, int, string, string), (GeneEffects Table, int Row)>();
        foreach (var table in predictions)
            for (int i = 0; i < table.Count; i++)
            {
                var key = (NoChr(table.Chrom[i]), table.Pos[i], table.Ref[i].ToUpperInvariant(), table.Alt[i].ToUpperInvariant());
                if (!best.TryGetValue(key, out var cur) || Math.Abs(table.Dist[i]) < Math.Abs(cur.Table.Dist[cur.Row]))
                    best[key] = (table, i);
            }
        var result = new List<MatchedVariant>();
        foreach (var m in measured)
            if (best.TryGetValue((NoChr(m.Chrom), m.Pos, m.Ref, m.Alt), out var hit))
                result.Add(new MatchedVariant(m, hit.Table, hit.Row));
        return result;
    }

    /// <summary>Evaluates every tissue present in all matched tables (in the first table's order).</summary>
    public static IReadOnlyList<TissueEvaluation> EvaluateAll(IReadOnlyList<MatchedVariant> matched, int curvePoints = 20)
    {
        if (matched.Count == 0) return [];
        var tissues = matched[0].Table.Tissues.Where(t => matched.All(m => m.Table.Tissues.Contains(t))).ToArray();
        var measured = matched.Select(m => m.Measured.Effect).ToArray();
        var result = new List<TissueEvaluation>();
        foreach (var tissue in tissues)
        {
            var predicted = matched.Select(m => (double)m.Table.Tissue(tissue)[m.Row]).ToArray();
            result.Add(Evaluate(tissue, measured, predicted, curvePoints));
        }
        return result;
    }

    /// <summary>The metrics of one tissue; <paramref name="curvePoints"/> cutoffs at evenly spaced top-k counts.</summary>
    public static TissueEvaluation Evaluate(string tissue, IReadOnlyList<double> measured, IReadOnlyList<double> predicted, int curvePoints = 20)
    {
        if (measured.Count != predicted.Count) throw new ArgumentException("measured and predicted differ in length");
        var keep = Enumerable.Range(0, measured.Count).Where(i => double.IsFinite(measured[i]) && double.IsFinite(predicted[i])).ToArray();
        var m = keep.Select(i => measured[i]).ToArray();
        var p = keep.Select(i => predicted[i]).ToArray();
        double auroc = Rank.Auroc(p, m.Select(v => v > 0).ToArray());
        double rho = Rank.Spearman(p, m);
        var curve = Curve(m, p, curvePoints);
        double overall = curve.Count > 0 ? curve[^1].Accuracy : double.NaN;
        return new TissueEvaluation(tissue, keep.Length, auroc, rho, overall, curve);
    }

    /// <summary>Direction accuracy of the top-k variants by predicted |effect|, for k evenly spaced up to all directed variants.</summary>
    public static IReadOnlyList<DirectionCurvePoint> Curve(IReadOnlyList<double> measured, IReadOnlyList<double> predicted, int points = 20)
    {
        var directed = Enumerable.Range(0, measured.Count).Where(i => measured[i] != 0 && predicted[i] != 0)
            .OrderByDescending(i => Math.Abs(predicted[i])).ToArray();
        int n = directed.Length;
        if (n == 0) return [];
        var counts = Enumerable.Range(1, Math.Min(points, n)).Select(j => (int)Math.Ceiling((double)j * n / Math.Min(points, n))).Distinct().ToArray();
        var result = new List<DirectionCurvePoint>();
        int correct = 0, k = 0;
        foreach (int target in counts)
        {
            for (; k < target; k++)
                if (Math.Sign(measured[directed[k]]) == Math.Sign(predicted[directed[k]])) correct++;
            result.Add(new DirectionCurvePoint(Math.Abs(predicted[directed[k - 1]]), k, (double)correct / k));
        }
        return result;
    }

    public static Task WriteSummaryTsvAsync(string path, IEnumerable<TissueEvaluation> rows)
    {
        var sb = new StringBuilder("tissue\tvariants\tauroc\tspearman\tdirection_accuracy\n");
        foreach (var r in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{r.Tissue}\t{r.Variants}\t{r.Auroc:R}\t{r.Spearman:R}\t{r.DirectionAccuracy:R}\n");
        return AtomicFile.WriteAllTextAsync(path, sb.ToString());
    }

    public static Task WriteCurveTsvAsync(string path, IEnumerable<TissueEvaluation> rows)
    {
        var sb = new StringBuilder("tissue\tcutoff\tcount\taccuracy\n");
        foreach (var r in rows)
            foreach (var c in r.Curve)
                sb.Append(CultureInfo.InvariantCulture, $"{r.Tissue}\t{c.Cutoff:R}\t{c.Count}\t{c.Accuracy:R}\n");
        return AtomicFile.WriteAllTextAsync(path, sb.ToString());
    }

    private static string NoChr(string c) => c.StartsWith("chr", StringComparison.OrdinalIgnoreCase) ? c[3..] : c;
}
