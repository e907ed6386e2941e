using System.Text;
using ExPecto.Core.Genome;
using ExPecto.Core.Models;
using ExPecto.Testing;

namespace ExPecto.Cli.Tests;

/// <summary>
/// Bad input end to end: `expecto` exits with code 2, prints exactly one line on stderr starting with
/// "expecto: error:" (naming the problem, no stack trace) and leaves no output behind.
/// </summary>
public sealed class BadInputCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("expecto-cli-").FullName;
    private readonly string _outDir;

    public BadInputCliTests() => _outDir = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A tiny genome (chr1, 3,000 bases), one gene, one model list of two 20,020-feature models.</summary>
    private (string Genome, string Annotation, string Models) GoodInputs()
    {
        var random = new Random(7);
        byte[] bases = new byte[3000];
        for (int i = 0; i < bases.Length; i++) bases[i] = (byte)"ACGT"[random.Next(4)];
        string genome = Path.Combine(_dir, "genome.fa");
        FastaWriter.WritePlain(genome, [new FastaRecord("chr1", bases)]);
        string annotation = Write("genes.bed", "chr1\t1499\t1500\t+\tGENE1\n");
        var model = new XgbLinearModel(0f, 0f, new float[BelugaLayout.Canonical]);
        XgbLinearJsonFormat.Write(Path.Combine(_dir, "m.json"), model);
        string models = Write("modellist", "ModelName\tTissue\nm.json\tLiver\nm.json\tLung\n");
        return (genome, annotation, models);
    }

    private static void AssertOneErrorLine(ExpectoRun run, params string[] mentions)
    {
        Assert.True(run.ExitCode == 2, $"expected exit code 2 (bad input)\n{run}");
        Assert.DoesNotContain("   at ", run.StdErr + run.StdOut);
        string[] lines = run.ErrLines;
        Assert.True(lines.Length == 1, $"expected exactly one line on stderr\n{run}");
        Assert.StartsWith("expecto: error: ", lines[0]);
        foreach (string m in mentions)
            Assert.Contains(m, lines[0]);
    }

    private void AssertNothingWritten() =>
        Assert.True(!Directory.EnumerateFileSystemEntries(_outDir).Any(),
            "output folder holds: " + string.Join(", ", Directory.EnumerateFileSystemEntries(_outDir, "*", SearchOption.AllDirectories)));

    [Fact]
    public void Missing_genome_file_is_one_error_line_naming_it()
    {
        string missing = Path.Combine(_dir, "no-such-genome.fa");
        var (_, annotation, models) = GoodInputs();
        var run = ExpectoProcess.Run(_dir, "predict-variants", "--genome", missing, "--annotation", annotation,
            "--models", models, "--beluga", TestPaths.Fixture("beluga/beluga_small_zip.pth"),
            "--vcf", Write("v.vcf", "chr1\t100\t.\tA\tC\n"), "--out", Path.Combine(_outDir, "effects.tsv"));
        AssertOneErrorLine(run, missing, "not found");
        AssertNothingWritten();
    }

    [Fact]
    public void Unknown_ref_mismatch_policy_is_one_error_line_listing_the_choices()
    {
        var (genome, annotation, models) = GoodInputs();
        var run = ExpectoProcess.Run(_dir, "predict-variants", "--genome", genome, "--annotation", annotation,
            "--models", models, "--beluga", TestPaths.Fixture("beluga/beluga_small_zip.pth"),
            "--vcf", Write("v.vcf", "chr1\t100\t.\tA\tC\n"), "--ref-mismatch", "sometimes", "--out", Path.Combine(_outDir, "effects.tsv"));
        AssertOneErrorLine(run, "--ref-mismatch", "error, warn or skip", "sometimes");
        AssertNothingWritten();
    }

    [Fact]
    public void Truncated_weight_file_is_one_error_line_naming_it()
    {
        var (genome, annotation, models) = GoodInputs();
        byte[] weights = File.ReadAllBytes(TestPaths.Fixture("beluga/beluga_small_zip.pth"));
        string truncated = Path.Combine(_dir, "truncated.pth");
        File.WriteAllBytes(truncated, weights[..(weights.Length / 2)]);
        var run = ExpectoProcess.Run(_dir, "predict-variants", "--genome", genome, "--annotation", annotation,
            "--models", models, "--beluga", truncated,
            "--vcf", Write("v.vcf", "chr1\t100\t.\tA\tC\n"), "--out", Path.Combine(_outDir, "effects.tsv"));
        AssertOneErrorLine(run, truncated);
        AssertNothingWritten();
    }

    [Fact]
    public void Vcf_line_with_too_few_columns_is_one_error_line_with_file_and_line_and_no_half_written_table()
    {
        var (genome, annotation, models) = GoodInputs();
        // Line 3 is bad; lines before it are valid, so the table has been opened (and must be discarded).
        string vcf = Write("bad.vcf", "#CHROM\tPOS\tID\tREF\tALT\nchr1\t1400\t.\tA\tC\nchr1\t1450\t.\tA\n");
        var run = ExpectoProcess.Run(_dir, "predict-variants", "--genome", genome, "--annotation", annotation,
            "--models", models, "--beluga", TestPaths.Fixture("beluga/beluga_small_zip.pth"), "--ref-mismatch", "warn",
            "--vcf", vcf, "--out", Path.Combine(_outDir, "effects.tsv"));
        AssertOneErrorLine(run, vcf + ":3:", "at least 5");
        AssertNothingWritten();
    }

    [Fact]
    public void Unknown_engine_is_one_error_line_listing_the_engines()
    {
        var (genome, annotation, models) = GoodInputs();
        string output = Path.Combine(_outDir, "dataset");
        var run = ExpectoProcess.Run(_dir, "mutagenesis", "--genome", genome, "--annotation", annotation,
            "--models", models, "--beluga", TestPaths.Fixture("beluga/beluga_small_zip.pth"),
            "--radius", "2", "--engine", "turbo", "--out", output);
        AssertOneErrorLine(run, "turbo", "incremental");
        AssertNothingWritten();
    }
}
