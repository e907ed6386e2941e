using ExPecto.Testing;
using System.Buffers.Binary;
using System.Globalization;
using ExPecto.Core.Models;
using ExPecto.Core.Tests.Support;
using ExPecto.Core.Transforms;

namespace ExPecto.Core.Tests.Transforms;

public sealed class VariantFeaturesTests
{
    private const int F = BelugaLayout.Canonical;

    [Fact]
    public void Reproduces_predict_py_features_for_the_example()
    {
        var example = ExpectoExample.Load();
        var (expected, shape) = Npy.ReadDoubles(Path.Combine(example.Root, "derived", "example.features_20020.f64.npy"));
        Assert.Equal([example.Variants.Count, F], shape);
        for (int i = 0; i < example.Variants.Count; i++)
        {
            var v = example.Variants[i];
            double[] x = VariantFeatures.Compute(example.Deltas[i], v.Distance, v.StrandSign);
            for (int j = 0; j < F; j++)
            {
                double e = expected[i * F + j];
                Assert.True(Math.Abs(x[j] - e) <= 1e-15 + 1e-9 * Math.Abs(e), $"variant {i} column {j}: {x[j]} vs {e}");
            }
        }
    }

    [Fact]
    public void Distance_is_position_minus_tss_without_strand_correction_as_predict_py_writes_it()
    {
        var example = ExpectoExample.Load();
        var (header, rows) = ExpectoExample.ReadCsv(Path.Combine(example.Root, "derived", "example.predict_py.output.csv"));
        int dist = Array.IndexOf(header, "dist"), strand = Array.IndexOf(header, "strand"), gene = Array.IndexOf(header, "gene");
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(long.Parse(rows[i][dist], CultureInfo.InvariantCulture), example.Variants[i].Distance);
            Assert.Equal(rows[i][strand] == "+" ? 1 : -1, example.Variants[i].StrandSign);
            Assert.Equal(rows[i][gene], example.Variants[i].Gene);
        }
        // A minus-strand gene: variant 3 lies 21,530 bp before the TSS coordinate, i.e. downstream of the gene.
        Assert.Equal(-1, example.Variants[3].StrandSign);
        Assert.Equal(-21530, example.Variants[3].Distance);
        Assert.Equal(21530, VariantFeatures.RelativeOffset(-21530, 0, -1));
    }

    [Fact]
    public void The_h5_pred_dataset_is_raw_float32_at_offset_2048()
    {
        var example = ExpectoExample.Load();
        string path = Path.Combine(example.Root, "example", "example.vcf.shift_0.diff.h5");
        float[] viaHdf = ExpectoExample.ReadPred(path);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(2048 + 4 * viaHdf.Length, bytes.Length);
        for (int i = 0; i < viaHdf.Length; i++)
            Assert.Equal(viaHdf[i], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(2048 + 4 * i)));
    }

    [Theory]
    [InlineData(0, 0, 1, 0.0, true, true)]
    [InlineData(-199, 0, 1, 0.0, true, false)]
    [InlineData(-200, 0, 1, 1.0, true, false)]
    [InlineData(150, 200, -1, 1.0, true, false)]   // p = (150 + 200)·−1 = −350 → 1 bin upstream
    [InlineData(-1506, 800, 1, 3.0, true, false)]  // p = −706
    [InlineData(21530, -800, -1, 103.0, true, false)]
    [InlineData(-21530, 0, -1, 107.0, false, true)]
    public void Shift_weights_bin_the_strand_relative_offset(long d, int s, int strand, double bins, bool up, bool down)
    {
        Span<double> w = stackalloc double[10];
        VariantFeatures.ShiftWeights(d, s, strand, w);
        double[] c = [0.01, 0.02, 0.05, 0.1, 0.2];
        for (int k = 0; k < 5; k++)
        {
            Assert.Equal(up ? Math.Exp(-c[k] * bins) : 0, w[k]);
            Assert.Equal(down ? Math.Exp(-c[k] * bins) : 0, w[k + 5]);
        }
    }

    [Fact]
    public void Minus_strand_mirrors_distance_and_shift()
    {
        Span<double> a = stackalloc double[10];
        Span<double> b = stackalloc double[10];
        foreach (long d in new long[] { -5000, -201, -1, 0, 37, 1200, 19999 })
        foreach (int s in VariantShifts.All)
        {
            VariantFeatures.ShiftWeights(d, s, -1, a);
            VariantFeatures.ShiftWeights(-d, -s, 1, b);
            Assert.True(a.SequenceEqual(b));
        }
    }

    [Fact]
    public void On_the_200_bp_grid_the_variant_transform_is_the_tss_fold_of_the_deltas()
    {
        // With d a multiple of 200 every shifted offset is a TSS-window offset, and floor(|p|/200) = |p|/200:
        // placing Δ_s in the TSS window at offset p_s must give the same features (an independent code path).
        var rng = new Random(7);
        var deltas = new float[9 * BelugaLayout.F];
        for (int i = 0; i < deltas.Length; i++) deltas[i] = (float)(rng.NextDouble() - 0.5);
        foreach (var (d, strand) in new[] { (-4000L, 1), (1400L, -1), (0L, 1), (600L, 1) })
        {
            var pred = new float[TssFeatures.WindowCount * BelugaLayout.F];
            for (int si = 0; si < 9; si++)
            {
                long p = VariantFeatures.RelativeOffset(d, VariantShifts.All[si], strand);
                int window = (int)((p - TssFeatures.FirstOffset) / 200);
                deltas.AsSpan(si * 2002, 2002).CopyTo(pred.AsSpan(window * 2002, 2002));
            }
            double[] viaTss = TssFeatures.Fold(pred);
            double[] viaVariant = VariantFeatures.Compute(deltas, d, strand);
            for (int j = 0; j < F; j++) Assert.True(Math.Abs(viaTss[j] - viaVariant[j]) <= 1e-12, $"column {j}: {viaTss[j]} vs {viaVariant[j]}");
        }
    }

    [Fact]
    public void Strand_mean_rounds_the_sum_to_float32_like_numpy()
    {
        float[] fwd = [1f, 16777216f, 0.1f];
        float[] rev = [2f, 1f, 0.2f];
        var mean = new float[3];
        VariantFeatures.StrandMean(fwd, rev, mean);
        Assert.Equal(1.5f, mean[0]);
        Assert.Equal(8388608f, mean[1]); // 2^24 + 1 rounds to 2^24 in float32 before halving
        Assert.Equal((0.1f + 0.2f) / 2f, mean[2]);
    }
}
