using System.Globalization;
using ExPecto.Testing;

namespace ExPecto.Cli.Tests;

/// <summary>
/// `expecto predict-variants` end to end against the effects PyTorch 1.13 and XGBoost 1.7.4 compute for the
/// committed reduced-width fixture (tests/fixtures/variants, made by `make_fixtures_torch.py --variants`): SNVs near
/// a + and a − strand gene, a multi-allelic record, an MNP, a deletion, an insertion, a soft-masked site and windows
/// that run off both ends of a contig; three tissue models (XGBoost JSON, binary "binf", padded 20,030 layout).
/// </summary>
public sealed class PredictVariantsCliTests : IDisposable
{
    /// <summary>|C# − PyTorch/float64 w·x|: float32 chromatin probabilities, float64 transform and dot product.</summary>
    public const double Float64Tolerance = 1e-5;

    /// <summary>|C# − XGBoost predict(x) − predict(0)|: XGBoost sums 20,020 float32 products (it differs from float64 by ≤ 2e-5 here).</summary>
    public const double XgboostTolerance = 5e-5;

    private readonly string _dir = Directory.CreateTempSubdirectory("expecto-pvar-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static string[] FixtureArgs(params string[] more)
    {
        string f = TestPaths.Fixture("variants");
        return
        [
            "predict-variants", "--genome", Path.Combine(f, "genome.fa"), "--annotation", Path.Combine(f, "genes.bed"),
            "--models", Path.Combine(f, "modellist"), "--beluga", TestPaths.Fixture("beluga/beluga_small_zip.pth"),
            "--vcf", Path.Combine(f, "variants.vcf"), "--ref-mismatch", "error", .. more,
        ];
    }

    /// <summary>A TSV with a header: column names and rows of cells.</summary>
    internal static (string[] Header, string[][] Rows) ReadTsv(string path)
    {
        string[] lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        return (lines[0].Split('\t'), lines.Skip(1).Select(l => l.Split('\t')).ToArray());
    }

    internal static double Number(string cell) => double.Parse(cell, NumberStyles.Float, CultureInfo.InvariantCulture);

    [Fact]
    public void Tsv_matches_pytorch_and_xgboost_for_every_allele_and_tissue()
    {
        string output = Path.Combine(_dir, "effects.tsv");
        var run = ExpectoProcess.Run(_dir, FixtureArgs("--out", output));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("variants read 12, scored 12", run.StdErr);

        var (header, rows) = ReadTsv(output);
        var (refHeader, reference) = ReadTsv(TestPaths.Fixture("variants/expected_effects_float64.tsv"));
        var (_, xgboost) = ReadTsv(TestPaths.Fixture("variants/expected_effects_xgboost.tsv"));
        // VCF columns, the gene, its strand, dist = pos − TSS, then the tissues in modellist order.
        Assert.Equal(["chrom", "pos", "ref", "alt", "gene", "strand", "dist", "Tissue A", "Tissue B (padded)", "Tissue_C"], header);
        Assert.Equal(refHeader, header);
        Assert.Equal(reference.Length, rows.Length);
        Assert.Contains(rows, r => r[4] == "GENE_MINUS" && r[5] == "-");
        Assert.Equal(2, rows.Count(r => r[1] == "8100")); // the multi-allelic record: one row per ALT, in ALT order
        double worst = 0, worstXgb = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(reference[i][..7], rows[i][..7]);
            for (int t = 7; t < header.Length; t++)
            {
                double got = Number(rows[i][t]);
                double d = Math.Abs(got - Number(reference[i][t])), dx = Math.Abs(got - Number(xgboost[i][t]));
                worst = Math.Max(worst, d);
                worstXgb = Math.Max(worstXgb, dx);
                Assert.True(d <= Float64Tolerance, $"row {i} ({string.Join(' ', rows[i][..4])}) {header[t]}: {got} vs float64 reference {reference[i][t]} (|Δ| = {d:E2})");
                Assert.True(dx <= XgboostTolerance, $"row {i} {header[t]}: {got} vs XGBoost {xgboost[i][t]} (|Δ| = {dx:E2})");
            }
        }
        // The effects are O(0.1): the tolerance checks about five significant digits, not noise around zero.
        Assert.True(reference.Max(r => Math.Abs(Number(r[7]))) > 0.1);
        TestContext.Current.TestOutputHelper?.WriteLine($"max |Δ| vs float64 {worst:E2}, vs XGBoost {worstXgb:E2}");
    }
}
