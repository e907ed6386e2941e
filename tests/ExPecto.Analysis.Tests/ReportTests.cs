using System.Diagnostics;
using ExPecto.Analysis.Evaluation;
using ExPecto.Analysis.Io;
using ExPecto.Analysis.Plots;
using ExPecto.Analysis.Reporting;

namespace ExPecto.Analysis.Tests;

public class ReportTests
{
    private static readonly byte[] s_pngMagic = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A small run folder: genes.parquet (2 tissues), one gene's effects, evaluation tables.</summary>
    internal static async Task<string> MakeRunAsync(CancellationToken ct)
    {
        string run = Directory.CreateTempSubdirectory("run").FullName;
        var rng = new Random(4);
        string[] tissues = ["Liver | GTEx", "K562 | ENCODE"];
        var genes = new List<GeneVariationPotential>();
        foreach (var t in tissues)
            for (int i = 0; i < 600; i++)
            {
                double u = rng.NextDouble();
                double d = (u < 0.05 ? -40 : u < 0.1 ? 40 : 0) + 10 * (rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5) * 2;
                genes.Add(new GeneVariationPotential($"G{i}", t, d, 100 + Math.Abs(d) * 2 + 20 * rng.NextDouble(), 6003, rng.Next(50)));
            }
        await GeneTable.WriteAsync(Path.Combine(run, "genes.parquet"), genes, ct);

        string[] bases = ["A", "C", "G", "T"];
        int tss = 5000, radius = 100;
        var rows = new List<(int Pos, string Ref, string Alt)>();
        for (int pos = tss - radius; pos <= tss + radius; pos++)
        {
            string r = bases[rng.Next(4)];
            foreach (var a in bases.Where(b => b != r)) rows.Add((pos, r, a));
        }
        var effects = new GeneEffects
        {
            Gene = rows.Select(_ => "GENE1").ToArray(), Chrom = rows.Select(_ => "chr20").ToArray(),
            Pos = rows.Select(r => r.Pos).ToArray(), Ref = rows.Select(r => r.Ref).ToArray(), Alt = rows.Select(r => r.Alt).ToArray(),
            Dist = rows.Select(r => r.Pos - tss).ToArray(), Tissues = tissues,
            Effects = tissues.Select(_ => rows.Select(r => (float)((rng.NextDouble() - 0.6) * Math.Exp(-Math.Abs(r.Pos - tss) / 30.0))).ToArray()).ToArray(),
        };
        await EffectsFile.WriteAsync(Path.Combine(run, "effects", "chrom=chr20", "GENE1.parquet"), effects, ct);

        var measured = Enumerable.Range(0, 300).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var evals = tissues.Select((t, k) => DirectionEvaluation.Evaluate(t, measured, measured.Select(m => m * (k + 1) * 0.2 + 0.3 * (rng.NextDouble() - 0.5)).ToArray())).ToArray();
        await DirectionEvaluation.WriteSummaryTsvAsync(Path.Combine(run, "evaluation", "summary.tsv"), evals);
        await DirectionEvaluation.WriteCurveTsvAsync(Path.Combine(run, "evaluation", "curve.tsv"), evals);
        return run;
    }

    [Fact]
    public async Task Figures_are_written_as_png_and_svg()
    {
        string run = await MakeRunAsync(TestContext.Current.CancellationToken);
        var effects = await EffectsFile.ReadAsync(Path.Combine(run, "effects", "chrom=chr20", "GENE1.parquet"), TestContext.Current.CancellationToken);
        Assert.Equal(201 * 3, effects.Count);
        var fig = await AnalysisPlots.SaveAsync(AnalysisPlots.SaturationMutagenesisMap(effects, "Liver | GTEx"), Path.Combine(run, "map"));
        Assert.Equal(s_pngMagic, File.ReadAllBytes(fig.Png)[..8]);
        Assert.Contains("<svg", File.ReadAllText(fig.Svg));
        Directory.Delete(run, true);
    }

    [Fact]
    public async Task Report_page_holds_the_tables_and_links_every_figure()
    {
        string run = await MakeRunAsync(TestContext.Current.CancellationToken);
        string page = await ReportWriter.WriteAsync(run, ct: TestContext.Current.CancellationToken);
        string html = File.ReadAllText(page);
        foreach (var name in new[] { "variation_potential", "saturation_mutagenesis", "direction_accuracy" })
        {
            Assert.Contains($"src=\"{name}.png\"", html);
            Assert.True(File.Exists(Path.Combine(run, "report", name + ".png")), name);
            Assert.True(File.Exists(Path.Combine(run, "report", name + ".svg")), name);
        }
        Assert.Contains("Liver | GTEx", html);
        Assert.Contains("training/summary.tsv", html); // listed as absent
        Assert.Empty(Directory.GetFiles(Path.Combine(run, "report"), "*.tmp"));
        Directory.Delete(run, true);
    }

    [Fact]
    public async Task Report_renders_in_headless_chromium()
    {
        string? chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);
        if (chromium is null) Assert.Skip("no headless Chromium (apt-get install -y chromium)");
        string run = await MakeRunAsync(TestContext.Current.CancellationToken);
        string page = await ReportWriter.WriteAsync(run, ct: TestContext.Current.CancellationToken);
        string shot = Path.Combine(run, "screenshot.png");
        var psi = new ProcessStartInfo(chromium,
            ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--hide-scrollbars",
             $"--screenshot={shot}", "--window-size=1100,2400", "file://" + page])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var proc = Process.Start(psi)!;
        var stderr = proc.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await proc.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await proc.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(File.Exists(shot), await stderr);
        var bytes = File.ReadAllBytes(shot);
        Assert.Equal(s_pngMagic, bytes[..8]);
        Assert.True(bytes.Length > 20_000, $"screenshot is only {bytes.Length} bytes");
        string? keep = Environment.GetEnvironmentVariable("EXPECTO_KEEP_SCREENSHOT");
        if (!string.IsNullOrEmpty(keep)) File.Copy(shot, keep, overwrite: true);
        Directory.Delete(run, true);
    }
}
