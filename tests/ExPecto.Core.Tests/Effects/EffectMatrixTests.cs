using ExPecto.Testing;
using System.Globalization;
using ExPecto.Core.Effects;
using ExPecto.Core.Models;
using ExPecto.Core.Tests.Support;
using ExPecto.Core.Transforms;

namespace ExPecto.Core.Tests.Effects;

public sealed class EffectMatrixTests
{
    private const int F = BelugaLayout.Canonical;

    [Fact]
    public void Reproduces_the_example_effects_in_float64_and_predict_py_output()
    {
        var example = ExpectoExample.Load();
        var models = TissueModelSet.Load(Path.Combine(example.Root, "resources", "modellist"), BelugaLayout.F);
        var matrix = new EffectMatrix(models);
        int n = example.Variants.Count, t = matrix.TissueCount;
        var x = new double[n * F];
        for (int i = 0; i < n; i++)
        {
            var v = example.Variants[i];
            VariantFeatures.Compute(example.Deltas[i], v.Distance, v.StrandSign, x.AsSpan(i * F, F));
        }
        var effects = new double[n * t];
        matrix.Compute(x, n, effects);

        var (h64, rows64) = ExpectoExample.ReadCsv(Path.Combine(example.Root, "derived", "example.effects.float64.csv"));
        int first64 = Array.IndexOf(h64, "strand") + 1;
        Assert.Equal(matrix.TissueNames, h64[first64..]);
        var (hpy, rowspy) = ExpectoExample.ReadCsv(Path.Combine(example.Root, "derived", "example.predict_py.output.csv"));
        int firstPy = Array.IndexOf(hpy, "strand") + 1;
        Assert.Equal(matrix.TissueNames, hpy[firstPy..]);
        Assert.Equal(n, rows64.Length);
        Assert.Equal(n, rowspy.Length);

        double maxPy = 0;
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < t; k++)
            {
                double got = effects[i * t + k];
                double e64 = double.Parse(rows64[i][first64 + k], CultureInfo.InvariantCulture);
                double ePy = double.Parse(rowspy[i][firstPy + k], CultureInfo.InvariantCulture);
                Assert.True(Math.Abs(got - e64) <= 1e-9, $"variant {i} tissue {k}: {got} vs float64 {e64}");
                Assert.True(Math.Abs(got - ePy) <= 5e-5, $"variant {i} tissue {k}: {got} vs predict.py {ePy}");
                maxPy = Math.Max(maxPy, Math.Abs(got - ePy));
            }
        }
        Assert.True(maxPy > 0); // predict.py's float32 arithmetic is visible: the comparison is not vacuous

        // Per gene, through VariantEffects (chunked) and the variation-potential sums.
        var calculator = new VariantEffects(matrix, chunkSize: 2);
        foreach (var gene in Enumerable.Range(0, n).GroupBy(i => example.Variants[i].Gene).Where(g => g.Count() > 1))
        {
            int[] idx = gene.ToArray();
            float[] deltas = idx.SelectMany(i => example.Deltas[i]).ToArray();
            long[] distances = idx.Select(i => example.Variants[i].Distance).ToArray();
            var geneEffects = new double[idx.Length * t];
            calculator.Compute(deltas, distances, example.Variants[idx[0]].StrandSign, geneEffects);
            var direction = new double[t];
            var magnitude = new double[t];
            VariationPotential.Accumulate(geneEffects, t, direction, magnitude);
            for (int k = 0; k < t; k++)
            {
                double sum = 0, abs = 0;
                for (int r = 0; r < idx.Length; r++)
                {
                    double e64 = double.Parse(rows64[idx[r]][first64 + k], CultureInfo.InvariantCulture);
                    Assert.True(Math.Abs(geneEffects[r * t + k] - e64) <= 1e-9, $"{gene.Key} variant {idx[r]} tissue {k}");
                    sum += e64;
                    abs += Math.Abs(e64);
                }
                Assert.True(Math.Abs(direction[k] - sum) <= 1e-8 && Math.Abs(magnitude[k] - abs) <= 1e-8, $"{gene.Key} tissue {k}");
            }
        }
    }

    [Theory]
    [InlineData(1, 1, 7)]
    [InlineData(3, 5, 2050)]
    [InlineData(4, 17, 1024)]
    [InlineData(7, 9, 20020)]
    [InlineData(37, 6, 300)]
    public void Blocked_product_equals_plain_dot_products(int n, int t, int f)
    {
        var rng = new Random(n * 1000 + t);
        var w = new double[t * f];
        var x = new double[n * f];
        for (int i = 0; i < w.Length; i++) w[i] = rng.NextDouble() - 0.5;
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() - 0.5;
        var matrix = new EffectMatrix(Enumerable.Range(0, t).Select(i => "t" + i).ToArray(), w, f);
        var effects = new double[n * t];
        matrix.Compute(x, n, effects);
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < t; k++)
            {
                double expected = 0;
                for (int j = 0; j < f; j++) expected += x[i * f + j] * w[k * f + j];
                Assert.Equal(expected, effects[i * t + k], 10);
            }
        }

        var parallel = new double[n * t];
        matrix.Compute(x, n, parallel, maxDegreeOfParallelism: 2);
        Assert.Equal(effects, parallel);
    }

    [Fact]
    public void Effect_is_the_difference_of_two_expression_predictions()
    {
        var rng = new Random(11);
        var weights = new double[F];
        for (int i = 0; i < F; i++) weights[i] = rng.NextDouble() - 0.5;
        var model = new TissueModel("m", 2.0, -0.3, weights);
        var set = new TissueModelSet([model]);
        var alt = new double[F];
        for (int i = 0; i < F; i++) alt[i] = rng.NextDouble();
        var effect = new double[1];
        new EffectMatrix(set).Compute(alt, effect);
        Assert.Equal(set.Predict(alt)[0] - set.Predict(new double[F])[0], effect[0], 10);
    }
}
