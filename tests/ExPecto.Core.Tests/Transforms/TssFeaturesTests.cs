using ExPecto.Testing;
using ExPecto.Core.Models;
using ExPecto.Core.Transforms;

namespace ExPecto.Core.Tests.Transforms;

public sealed class TssFeaturesTests
{
    [Fact]
    public void Window_centres_step_200_bp_from_20_kb_upstream_in_the_genes_direction()
    {
        long[] plus = TssFeatures.WindowCentres(1_000_000, 1);
        long[] minus = TssFeatures.WindowCentres(1_000_000, -1);
        Assert.Equal(200, plus.Length);
        Assert.Equal(980_000, plus[0]);
        Assert.Equal(1_000_000, plus[100]);
        Assert.Equal(1_019_800, plus[199]);
        Assert.Equal(1_020_000, minus[0]);
        Assert.Equal(1_000_000, minus[100]);
        Assert.Equal(980_200, minus[199]);
        Assert.Equal((1_000_000 - 999, 1_000_000 + 1000), TssFeatures.Window(1_000_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => TssFeatures.WindowCentres(1, 0));
    }

    [Fact]
    public void A_single_window_lands_in_its_side_blocks_with_exponential_decay()
    {
        const int f = BelugaLayout.F;
        double[] c = [0.01, 0.02, 0.05, 0.1, 0.2];
        foreach (int window in new[] { 0, 37, 99, 100, 101, 199 })
        {
            int s = -20000 + 200 * window;
            var pred = new float[TssFeatures.WindowCount * f];
            pred[window * f + 5] = 2f;
            double[] x = TssFeatures.Fold(pred);
            for (int k = 0; k < 10; k++)
            {
                bool side = k < 5 ? s <= 0 : s >= 0;
                double expected = side ? 2 * Math.Exp(-c[k % 5] * Math.Abs(s) / 200.0) : 0;
                Assert.Equal(expected, x[k * f + 5], 15);
                Assert.Equal(0, x[k * f + 4]);
            }
        }
    }

    [Fact]
    public void Fold_is_linear_in_the_predictions()
    {
        var rng = new Random(3);
        int n = TssFeatures.WindowCount * BelugaLayout.F;
        var a = new float[n];
        var b = new float[n];
        var sum = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)rng.NextDouble();
            b[i] = (float)rng.NextDouble();
            sum[i] = a[i] + b[i];
        }
        double[] xa = TssFeatures.Fold(a), xb = TssFeatures.Fold(b), xs = TssFeatures.Fold(sum);
        // The float32 sum a + b carries one rounding (relative 6e-8) into xs.
        for (int j = 0; j < xa.Length; j++) Assert.True(Math.Abs(xa[j] + xb[j] - xs[j]) <= 1e-7 * Math.Abs(xs[j]), $"column {j}");
    }
}
