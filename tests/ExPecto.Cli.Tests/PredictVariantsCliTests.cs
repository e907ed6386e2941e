using System.Diagnostics;
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

    /// <param name="engine">
    /// naive: 36 windows a variant (ExPecto's way); auto (the default) picks windows too at this narrow width;
    /// incremental: SNVs through the incremental engine, one trunk per region of nearby SNVs (here: softmasked,
    /// overlapping, multi-allelic, near an N gap, at both contig ends), the MNP and indels through windows.
    /// </param>
    [Theory]
    [InlineData("auto")]
    [InlineData("incremental")]
    [InlineData("naive")]
    public void Tsv_matches_pytorch_and_xgboost_for_every_allele_and_tissue(string engine)
    {
        string output = Path.Combine(_dir, "effects.tsv");
        var run = ExpectoProcess.Run(_dir, FixtureArgs("--out", output, "--engine", engine));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("variants read 12, scored 12", run.StdErr);
        if (engine != "incremental")
            Assert.DoesNotContain("incremental engine", run.StdErr);
        else
            Assert.Contains("9 SNVs in 4 regions through the incremental engine", run.StdErr);

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

    /// <summary>Runs a tool (bcftools, tabix) and returns its exit code, stdout and stderr; skips the test when absent.</summary>
    internal static ExpectoRun Tool(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Skip($"{tool} is not installed (Debian: apt-get install bcftools tabix); skipping");
            throw;
        }
        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            return new ExpectoRun(process.ExitCode, stdout.Result, stderr.Result);
        }
    }

    private ExpectoRun Bcftools(params string[] args)
    {
        var run = Tool("bcftools", args);
        Assert.True(run.ExitCode == 0, $"bcftools {string.Join(' ', args)}\n{run}");
        Assert.True(run.StdErr.Trim().Length == 0, $"bcftools {string.Join(' ', args)} complained\n{run.StdErr}");
        return run;
    }

    [Theory]
    [InlineData("effects.vcf")]
    [InlineData("effects.vcf.gz")]
    public void Vcf_output_reads_in_bcftools_and_equals_the_table(string name)
    {
        string table = Path.Combine(_dir, "effects.tsv"), vcf = Path.Combine(_dir, "out", name);
        var run = ExpectoProcess.Run(_dir, FixtureArgs("--out", table));
        Assert.True(run.ExitCode == 0, run.ToString());
        run = ExpectoProcess.Run(_dir, FixtureArgs("--out", vcf));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(Path.GetFullPath(vcf), run.StdOut.Trim());
        Assert.Equal([name], Directory.GetFiles(Path.GetDirectoryName(vcf)!).Select(Path.GetFileName)); // no temp left

        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            // BGZF: gzip member with the BC extra field, ending in the standard 28-byte empty EOF block; tabix indexes
            // only BGZF.
            byte[] bytes = File.ReadAllBytes(vcf);
            Assert.Equal(new byte[] { 0x1f, 0x8b, 0x08, 0x04 }, bytes[..4]);
            Assert.Equal(Convert.FromHexString("1f8b08040000000000ff0600424302001b0003000000000000000000"), bytes[^28..]);
            var tabix = Tool("tabix", "-p", "vcf", vcf);
            Assert.True(tabix.ExitCode == 0, tabix.ToString());
            Assert.True(File.Exists(vcf + ".tbi"));
        }

        string header = Bcftools("view", "-h", vcf).StdOut;
        Assert.StartsWith("##fileformat=VCFv4.2\n", header);
        Assert.Contains("##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Read depth (fixture)\">", header); // input header kept
        Assert.Contains("##contig=<ID=chrV,length=24000>", header);
        Assert.Contains("##INFO=<ID=EXPECTO,Number=3,Type=Float,", header);
        Assert.Contains("##INFO=<ID=EXPECTO_GENE,Number=1,Type=String,", header);
        Assert.Contains("##INFO=<ID=EXPECTO_STRAND,Number=1,Type=String,", header);
        Assert.Contains("##INFO=<ID=EXPECTO_DIST,Number=1,Type=Integer,", header);
        string[] tissueLines = header.Split('\n').Where(l => l.StartsWith("##EXPECTO_TISSUE=", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["##EXPECTO_TISSUE=<Index=0,Name=\"Tissue A\">", "##EXPECTO_TISSUE=<Index=1,Name=\"Tissue B (padded)\">",
            "##EXPECTO_TISSUE=<Index=2,Name=\"Tissue_C\">"], tissueLines);
        Bcftools("view", "-Ov", "-o", Path.Combine(_dir, "roundtrip.vcf"), vcf);

        // One record per (record, ALT), same order, keys and values as the table; input columns and INFO kept.
        string[] got = Bcftools("query", "-f",
            "%CHROM\t%POS\t%ID\t%REF\t%ALT\t%QUAL\t%FILTER\t%INFO/DP\t%INFO/EXPECTO_GENE\t%INFO/EXPECTO_STRAND\t%INFO/EXPECTO_DIST\t%INFO/EXPECTO\n", vcf)
            .StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var (tableHeader, rows) = ReadTsv(table);
        Assert.Equal(rows.Length, got.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            string[] q = got[i].Split('\t');
            string[] r = rows[i];
            Assert.Equal([r[0], r[1], r[2], r[3]], new[] { q[0], q[1], q[3], q[4] });
            Assert.Equal([r[4], r[5], r[6]], q[8..11]);
            Assert.Equal(["50", "PASS"], q[5..7]);
            Assert.NotEqual(".", q[2]);
            string[] values = q[11].Split(',');
            Assert.Equal(tableHeader.Length - 7, values.Length);
            for (int t = 0; t < values.Length; t++)
            {
                // bcftools prints INFO floats with 6 significant digits (%g): equal up to that rounding, ≤ 5e-6 relative.
                double want = Number(r[7 + t]), v = Number(values[t]);
                Assert.True(Math.Abs(v - want) <= 5e-6 * Math.Abs(want) + 1e-12, $"row {i} tissue {t}: bcftools {values[t]}, table {r[7 + t]}");
            }
        }
        Assert.Equal(2, got.Count(l => l.Split('\t')[2] == "multi"));

        // The raw INFO values are the table's float32 values (round-trip formatting), up to the last bits two libtorch
        // runs can differ by (multi-threaded reductions).
        string text = name.EndsWith(".gz", StringComparison.Ordinal) ? Bcftools("view", "-H", vcf).StdOut : string.Join('\n', File.ReadAllLines(vcf).Where(l => !l.StartsWith('#')));
        string[] records = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < rows.Length; i++)
        {
            string info = records[i].Split('\t')[7];
            string effects = info.Split(';').Single(e => e.StartsWith("EXPECTO=", StringComparison.Ordinal))["EXPECTO=".Length..];
            double[] want = rows[i][7..].Select(Number).ToArray(), raw = effects.Split(',').Select(Number).ToArray();
            Assert.Equal(want.Length, raw.Length);
            for (int t = 0; t < want.Length; t++)
                Assert.True(Math.Abs(want[t] - raw[t]) <= 1e-6, $"row {i} tissue {t}: VCF {raw[t]}, table {want[t]}");
            Assert.StartsWith($"DP=", info);
        }
    }

    [Fact]
    public void Headerless_vcf_gets_a_minimal_valid_header()
    {
        string f = TestPaths.Fixture("variants");
        string input = Path.Combine(_dir, "bare.vcf");
        // ExPecto's example layout: five columns, no header; chrW spelled as the genome has it, chrV too.
        File.WriteAllText(input, "chrV\t7400\tsnv1\tG\tT\nchrW\t150\t.\tG\tT,C\n");
        string vcf = Path.Combine(_dir, "bare.out.vcf.gz");
        var run = ExpectoProcess.Run(_dir, "predict-variants", "--genome", Path.Combine(f, "genome.fa"), "--annotation", Path.Combine(f, "genes.bed"),
            "--models", Path.Combine(f, "modellist"), "--beluga", TestPaths.Fixture("beluga/beluga_small_zip.pth"), "--vcf", input, "--out", vcf);
        Assert.True(run.ExitCode == 0, run.ToString());
        string header = Bcftools("view", "-h", vcf).StdOut;
        Assert.StartsWith("##fileformat=VCFv4.2\n", header);
        Assert.Contains("##contig=<ID=chrV,length=24000>", header);
        Assert.Contains("##contig=<ID=chrW,length=4000>", header);
        Assert.Contains("\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n", header);
        string[] q = Bcftools("query", "-f", "%CHROM:%POS:%REF:%ALT:%INFO/EXPECTO_GENE:%INFO/EXPECTO_STRAND:%INFO/EXPECTO_DIST\n", vcf)
            .StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["chrV:7400:G:T:GENE_PLUS:+:-600", "chrW:150:G:T:GENE_W:-:-1850", "chrW:150:G:C:GENE_W:-:-1850"], q);
    }

    [Fact]
    public void Unknown_output_extension_names_the_vcf_choices()
    {
        var run = ExpectoProcess.Run(_dir, FixtureArgs("--out", Path.Combine(_dir, "effects.bcf")));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(".vcf.gz", run.StdErr);
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
