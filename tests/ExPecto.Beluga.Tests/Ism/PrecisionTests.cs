using ExPecto.Beluga.Ism;
using ExPecto.Core;
using ExPecto.Core.Chromatin;
using ExPecto.Core.Transforms;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Tests.Ism;

/// <summary>Precision modes at the engine level: parsing, refusals, and bf16 chromatin deltas against fp32.</summary>
public sealed class PrecisionTests : IDisposable
{
    private static readonly int[] s_channels = [16, 16, 24, 24, 32, 32];
    private readonly Dictionary<string, Tensor> _weights = IsmTestSupport.RandomStateDict(20180716, s_channels, 64);

    public void Dispose() => IsmTestSupport.Dispose(_weights);

    [Fact]
    public void Precisions_parse_by_name_and_anything_else_names_the_option_and_the_choices()
    {
        Assert.Equal(ComputePrecision.Fp32, ComputePrecisions.Parse("fp32"));
        Assert.Equal(ComputePrecision.Tf32, ComputePrecisions.Parse(" TF32 "));
        Assert.Equal(ComputePrecision.Bf16, ComputePrecisions.Parse("bf16"));
        Assert.Equal(["fp32", "tf32", "bf16"], Enum.GetValues<ComputePrecision>().Select(p => p.Name()));
        var e = Assert.Throws<InputException>(() => ComputePrecisions.Parse("fp16"));
        Assert.Contains("--precision", e.Message);
        Assert.Contains("fp32, tf32, bf16", e.Message);
    }

    [Fact]
    public void Tf32_on_a_cpu_is_refused_by_both_engines_naming_the_option_and_what_the_cpu_allows()
    {
        foreach (string name in DeltaEngines.Names)
        {
            var e = Assert.Throws<InputException>(() => DeltaEngines.Create(name, _weights, new DeltaEngineOptions { Precision = ComputePrecision.Tf32 }));
            Assert.Contains("--precision tf32", e.Message);
            Assert.Contains("CUDA", e.Message);
            Assert.Contains(TorchDevices.CpuHasBf16 ? "fp32 or bf16" : "fp32 only", e.Message);
        }
    }

    /// <summary>
    /// bf16 deltas of both engines stay within 1e-2 of fp32 and differ from it (the mode is real). bf16 rounds every
    /// activation to 8 bits of mantissa (2^-9 relative) through six convolutions and fc1; on these random weights
    /// (|Δ| up to 0.043) that gave 0.004 (incremental: REF rounding cancels in h_ref + ΔW1) and 0.007 (naive: ALT and
    /// REF windows round independently).
    /// </summary>
    [Fact]
    public void Bf16_deltas_of_both_engines_are_close_to_fp32_on_a_cpu_with_bf16()
    {
        if (!TorchDevices.CpuHasBf16)
        {
            var e = Assert.Throws<InputException>(() => DeltaEngines.Create(DeltaEngines.Naive, _weights, new DeltaEngineOptions { Precision = ComputePrecision.Bf16 }));
            Assert.Contains("AVX512-BF16", e.Message);
            return;
        }
        byte[] region = IsmTestSupport.Chr20Region(7000);
        var mutations = new List<PointMutation>();
        for (int p = 3000; p < 3016; p++) mutations.Add(new(p, (byte)(region[p] == 'A' ? 'C' : 'A')));
        float[] exact = Run(DeltaEngines.Naive, ComputePrecision.Fp32, region, [.. mutations]);
        double maxAbs = exact.Max(Math.Abs);
        var errors = DeltaEngines.Names.ToDictionary(n => n, n => exact.Zip(Run(n, ComputePrecision.Bf16, region, [.. mutations]), (a, b) => Math.Abs(a - b)).Max());
        foreach (var (name, maxErr) in errors)
            TestContext.Current.TestOutputHelper?.WriteLine($"{name} bf16: max |Δ| {maxAbs:g3}, max |bf16 − fp32| {maxErr:g3}");
        foreach (var (name, maxErr) in errors)
        {
            Assert.True(maxAbs > 1e-3, $"random network is insensitive to point mutations (max |Δ| = {maxAbs:g3})");
            Assert.True(maxErr > 0, $"{name}: bf16 deltas equal fp32's bit for bit: the precision did not reach the network");
            Assert.True(maxErr < 1e-2, $"{name}: bf16 deltas differ from fp32 by up to {maxErr:g3}");
        }
    }

    private float[] Run(string engineName, ComputePrecision precision, byte[] region, PointMutation[] mutations)
    {
        using var engine = DeltaEngines.Create(engineName, _weights, new DeltaEngineOptions { MutationsPerBatch = 5, Precision = precision });
        var deltas = new float[mutations.Length * VariantShifts.All.Length * engine.FeatureCount];
        using var session = engine.Open(region);
        session.Compute(mutations, deltas);
        return deltas;
    }
}
