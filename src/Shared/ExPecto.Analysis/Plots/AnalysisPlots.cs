using ExPecto.Analysis.Constraints;
using ExPecto.Analysis.Evaluation;
using ExPecto.Analysis.Io;
using ScottPlot;

namespace ExPecto.Analysis.Plots;

/// <summary>The two files a figure is written to.</summary>
public sealed record FigureFiles(string Png, string Svg);

/// <summary>
/// The paper's figures with ScottPlot 5: the saturation-mutagenesis map of a gene (Fig. 1d), the variation-potential
/// scatter (Fig. 4c) and the direction-accuracy curve (Fig. 2a). Each is written as PNG and SVG.
/// </summary>
public static class AnalysisPlots
{
    public const int Width = 900, Height = 420;
    private static readonly string[] s_bases = ["A", "C", "G", "T"];

    /// <summary>
    /// Position × ALT heatmap of one tissue's effects: x = dist (pos − TSS, bp), rows A, C, G, T; colour = effect
    /// (natural-log fold change) on a diverging scale symmetric about 0; the reference base of each position is blank.
    /// </summary>
    public static Plot SaturationMutagenesisMap(GeneEffects effects, string tissue)
    {
        var values = effects.Tissue(tissue);
        int lo = effects.Dist.Min(), hi = effects.Dist.Max();
        if (hi == lo) hi = lo + 1; // a one-position map still needs two columns for the extent
        int width = hi - lo + 1;
        var grid = new double[4, width];
        for (int r = 0; r < 4; r++) for (int c = 0; c < width; c++) grid[r, c] = double.NaN;
        double maxAbs = 1e-12;
        for (int i = 0; i < effects.Count; i++)
        {
            int row = Array.IndexOf(s_bases, effects.Alt[i].ToUpperInvariant());
            if (row < 0 || !float.IsFinite(values[i])) continue;
            grid[3 - row, effects.Dist[i] - lo] = values[i]; // row 0 of the grid is drawn at the top: T at the top, A at the bottom
            maxAbs = Math.Max(maxAbs, Math.Abs(values[i]));
        }
        var plot = new Plot();
        var hm = plot.Add.Heatmap(grid);
        hm.Colormap = new ScottPlot.Colormaps.Balance();
        hm.ManualRange = new ScottPlot.Range(-maxAbs, maxAbs);
        hm.NaNCellColor = Colors.White;
        // With centred cells ScottPlot's extent runs from the first to the last cell centre.
        hm.Extent = new CoordinateRect(lo, hi, 0, 3);
        plot.Add.ColorBar(hm);
        plot.Axes.Left.SetTicks([0, 1, 2, 3], s_bases);
        string gene = effects.Count > 0 ? effects.Gene[0] : "";
        plot.Title($"{gene}: in silico saturation mutagenesis, {tissue}");
        plot.XLabel("position relative to TSS (bp, + strand)");
        plot.YLabel("alternative allele");
        return plot;
    }

    /// <summary>Directionality (Σ effects) against magnitude (Σ |effects|) per gene, coloured by constraint call.</summary>
    public static Plot VariationPotentialScatter(IReadOnlyList<GeneVariationPotential> genes, IReadOnlyList<GeneConstraint>? calls = null)
    {
        var callOf = calls?.ToDictionary(c => c.Gene, c => c.Call) ?? new Dictionary<string, ConstraintCall>();
        var plot = new Plot();
        foreach (var (call, colour, label) in new[]
                 {
                     (ConstraintCall.None, Colors.Gray, "no call"),
                     (ConstraintCall.Positive, Colors.Blue, "positive constraint (mutations lower expression)"),
                     (ConstraintCall.Negative, Colors.Red, "negative constraint (mutations raise expression)"),
                 })
        {
            var pts = genes.Where(g => callOf.GetValueOrDefault(g.Gene) == call).ToArray();
            if (pts.Length == 0) continue;
            var sc = plot.Add.ScatterPoints(pts.Select(g => g.Directionality).ToArray(), pts.Select(g => g.Magnitude).ToArray(), colour);
            sc.MarkerSize = 6;
            sc.LegendText = $"{label} ({pts.Length})";
        }
        string tissue = genes.Count > 0 ? genes[0].Tissue : "";
        plot.Title($"Variation potential, {tissue}");
        plot.XLabel("directionality (Σ effects)");
        plot.YLabel("magnitude (Σ |effects|)");
        plot.ShowLegend();
        return plot;
    }

    /// <summary>Direction accuracy against the predicted-|effect| cutoff, one line per tissue model (at most <paramref name="maxLines"/>).</summary>
    public static Plot DirectionAccuracyCurve(IEnumerable<TissueEvaluation> evaluations, int maxLines = 8)
    {
        var plot = new Plot();
        foreach (var e in evaluations.Where(e => e.Curve.Count > 0).Take(maxLines))
        {
            var line = plot.Add.Scatter(e.Curve.Select(c => c.Cutoff).ToArray(), e.Curve.Select(c => c.Accuracy).ToArray());
            line.LegendText = e.Tissue;
        }
        plot.Add.HorizontalLine(0.5, 1, Colors.Gray, LinePattern.Dashed);
        plot.Title("Direction accuracy of predicted expression effects");
        plot.XLabel("predicted |effect| cutoff");
        plot.YLabel("direction accuracy");
        plot.ShowLegend();
        return plot;
    }

    /// <summary>Writes <paramref name="basePath"/>.png and .svg (each by temp file and rename).</summary>
    public static async Task<FigureFiles> SaveAsync(Plot plot, string basePath, int width = Width, int height = Height)
    {
        string png = basePath + ".png", svg = basePath + ".svg";
        await AtomicFile.WriteAllBytesAsync(png, plot.GetImageBytes(width, height, ImageFormat.Png));
        await AtomicFile.WriteAllTextAsync(svg, plot.GetSvgXml(width, height));
        return new FigureFiles(png, svg);
    }
}
