using System.Runtime.InteropServices;
using System.Text;
using ExPecto.Testing;

namespace ExPecto.Beluga.Tests;

/// <summary>The files tests/fixtures/make_fixtures_torch.py made with PyTorch 1.13 (reduced-width Beluga).</summary>
internal static class BelugaFixtures
{
    public const int Outputs = 2002;

    public static string SmallZip => TestPaths.Fixture("beluga/beluga_small_zip.pth");
    public static string SmallLegacy => TestPaths.Fixture("beluga/beluga_small_legacy.pth");
    public static string MiscZip => TestPaths.Fixture("beluga/tensors_misc_zip.pth");
    public static string MiscLegacy => TestPaths.Fixture("beluga/tensors_misc_legacy.pth");
    public static string MiscJson => TestPaths.Fixture("beluga/tensors_misc.json");

    /// <summary>The reduced widths the script uses.</summary>
    public static BelugaShape SmallShape { get; } = new(16, 16, 24, 24, 32, 32, 40, Outputs);

    /// <summary>The input windows, one 2,000-byte ASCII line each.</summary>
    public static IReadOnlyList<string> Sequences() =>
        File.ReadAllLines(TestPaths.Fixture("beluga/sequences.txt")).Where(l => l.Length > 0).ToList();

    public static byte[] SequenceBytes() => Encoding.ASCII.GetBytes(string.Concat(Sequences()));

    /// <summary>PyTorch's outputs, [sequences, 2002] row-major ("mean" = fwd/rc mean, "fwd" = forward only).</summary>
    public static float[] ExpectedOutputs(string which) =>
        MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(TestPaths.Fixture($"beluga/outputs_{which}.f32"))).ToArray();

    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
