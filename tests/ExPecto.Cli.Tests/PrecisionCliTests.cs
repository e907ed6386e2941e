using System.Text.Json;
using ExPecto.Analysis.Io;
using ExPecto.Testing;

namespace ExPecto.Cli.Tests;

/// <summary>
/// `--precision` end to end on the bundled demo (reduced-width random weights): parsing and refusals, bf16 effects
/// against fp32, the dataset marker, and the job id and manifest of `run`.
/// </summary>
public sealed class PrecisionCliTests : IDisposable
{
    private const string Gene = "ENSG00000101384"; // JAG1, a demo gene

    /// <summary>
    /// Max |bf16 − fp32| effect (natural-log fold change) allowed on the demo weights. bf16 keeps 8 bits of mantissa
    /// (relative rounding 2^-9 ≈ 0.002) through six convolutions and fc1, and the demo's random tissue models sum
    /// ~2,000 chromatin features with large weights; measured here (radius 30, max |effect| 0.55): 0.042 incremental,
    /// 0.053 naive. The real models' figures are in bench/README.md.
    /// </summary>
    private const double Bf16Tolerance = 0.1;

    private readonly string _dir = Directory.CreateTempSubdirectory("expecto-precision-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static bool CpuHasBf16()
    {
        if (!File.Exists("/proc/cpuinfo")) return false;
        string? flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        return flags is not null && flags.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Any(f => f is "avx512_bf16" or "amx_bf16");
    }

    private ExpectoRun Mutagenesis(string outName, params string[] extra) =>
        ExpectoProcess.Run(TestPaths.RepoRoot, ["mutagenesis", "--genes", Gene, "--radius", "30", "--out", Path.Combine(_dir, outName), .. extra]);

    private static void AssertOneLineError(ExpectoRun run, params string[] contains)
    {
        Assert.True(run.ExitCode == 2, run.ToString());
        string error = Assert.Single(run.ErrLines, l => l.StartsWith("expecto: error:", StringComparison.Ordinal));
        foreach (string c in contains) Assert.Contains(c, error);
    }

    [Fact]
    public void An_unknown_precision_and_tf32_on_a_cpu_are_refused_naming_the_option_and_what_is_allowed()
    {
        AssertOneLineError(Mutagenesis("bad", "--precision", "fp16"), "--precision", "fp16", "fp32, tf32, bf16");
        AssertOneLineError(Mutagenesis("tf32", "--precision", "tf32"), "--precision tf32", "CUDA", "fp32");
        AssertOneLineError(ExpectoProcess.Run(TestPaths.RepoRoot, "run", "--genes", Gene, "--radius", "1", "--out", Path.Combine(_dir, "run-tf32"), "--precision", "tf32"),
            "--precision tf32", "CUDA");
        Assert.False(Directory.Exists(Path.Combine(_dir, "tf32", "effects")));
    }

    [Theory]
    [InlineData("incremental")]
    [InlineData("naive")]
    public async Task Bf16_effects_are_within_tolerance_of_fp32_and_a_dataset_resumes_only_at_its_own_precision(string engine)
    {
        if (!CpuHasBf16())
        {
            // Without AVX512-BF16/AMX the refusal is the contract.
            AssertOneLineError(Mutagenesis("bf16", "--precision", "bf16", "--engine", engine), "--precision bf16", "AVX512-BF16", "fp32 only");
            return;
        }
        ExpectoRun fp32 = Mutagenesis("fp32", "--engine", engine);
        Assert.True(fp32.ExitCode == 0, fp32.ToString());
        ExpectoRun bf16 = Mutagenesis("bf16", "--precision", "bf16", "--engine", engine);
        Assert.True(bf16.ExitCode == 0, bf16.ToString());
        Assert.Contains("precision bf16", bf16.StdErr);
        Assert.Equal("bf16\n", File.ReadAllText(Path.Combine(_dir, "bf16", "PRECISION")));
        Assert.False(File.Exists(Path.Combine(_dir, "fp32", "PRECISION")));

        var exact = await EffectsFile.ReadManyAsync(Path.Combine(_dir, "fp32", "effects"), TestContext.Current.CancellationToken);
        var fast = await EffectsFile.ReadManyAsync(Path.Combine(_dir, "bf16", "effects"), TestContext.Current.CancellationToken);
        var a = Assert.Single(exact);
        var b = Assert.Single(fast);
        Assert.Equal(a.Pos, b.Pos);
        Assert.Equal(a.Alt, b.Alt);
        Assert.Equal(a.Tissues, b.Tissues);
        double maxAbs = 0, maxErr = 0;
        for (int t = 0; t < a.Tissues.Count; t++)
        {
            for (int i = 0; i < a.Count; i++)
            {
                maxAbs = Math.Max(maxAbs, Math.Abs(a.Effects[t][i]));
                maxErr = Math.Max(maxErr, Math.Abs(a.Effects[t][i] - b.Effects[t][i]));
            }
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"{engine}: {a.Count} mutations × {a.Tissues.Count} tissues: max |effect| {maxAbs:g3}, max |bf16 − fp32| {maxErr:g3}");
        Assert.True(maxAbs > 0.1, $"demo effects too small ({maxAbs:g3}) for the comparison to mean anything");
        Assert.True(maxErr > 0, "bf16 effects are bit-identical to fp32: the precision did not reach the engine");
        Assert.True(maxErr <= Bf16Tolerance, $"max |bf16 − fp32| effect {maxErr:g3} > {Bf16Tolerance}");

        // Each folder resumes only at the precision it was written with.
        AssertOneLineError(Mutagenesis("fp32", "--precision", "bf16"), "--precision fp32");
        AssertOneLineError(Mutagenesis("bf16"), "--precision bf16");
        ExpectoRun resumed = Mutagenesis("bf16", "--precision", "bf16", "--engine", engine);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("1 already complete", resumed.StdErr);
    }

    [Fact]
    public void Run_records_a_non_default_precision_in_the_job_id_and_manifest_and_fp32_in_neither()
    {
        string precision = CpuHasBf16() ? "bf16" : "tf32";
        ExpectoRun fp32 = ExpectoProcess.Run(TestPaths.RepoRoot, "run", "--genes", Gene, "--radius", "1", "--out", Path.Combine(_dir, "run-fp32"));
        Assert.True(fp32.ExitCode == 0, fp32.ToString());
        string fp32Id = fp32.StdOut.Split('\t')[0];
        string fp32Manifest = File.ReadAllText(Path.Combine(_dir, "run-fp32", "manifest.json"));
        Assert.DoesNotContain("precision", fp32Manifest);
        Assert.Contains($"\"jobId\": \"{fp32Id}\"", fp32Manifest);
        if (precision == "tf32") return; // no CPU precision but fp32 here: the refusal test covers it
        ExpectoRun fast = ExpectoProcess.Run(TestPaths.RepoRoot, "run", "--genes", Gene, "--radius", "1", "--out", Path.Combine(_dir, "run-bf16"), "--precision", "bf16");
        Assert.True(fast.ExitCode == 0, fast.ToString());
        string fastId = fast.StdOut.Split('\t')[0];
        Assert.Matches("^j[0-9a-f]{16}$", fastId);
        Assert.NotEqual(fp32Id, fastId);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "run-bf16", "manifest.json")));
        Assert.Equal(fastId, doc.RootElement.GetProperty("jobId").GetString());
        Assert.Equal("bf16", doc.RootElement.GetProperty("parameters").GetProperty("precision").GetString());
    }
}
