using ExPecto.Analysis.Constraints;
using ExPecto.Analysis.Io;

namespace ExPecto.Analysis.Tests;

public class ConstraintAnalysisTests
{
    private static double Gauss(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static double Pdf(double x, double mu) => Math.Exp(-0.5 * (x - mu) * (x - mu)) / Math.Sqrt(2 * Math.PI);

    /// <summary>90% N(0,1) + 5% N(−4,1) + 5% N(4,1), scaled by <paramref name="scale"/> and shifted by <paramref name="shift"/>.</summary>
    private static (double[] Z, int[] Truth) Planted(int n, int seed, double scale = 1, double shift = 0)
    {
        var rng = new Random(seed);
        var z = new double[n];
        var truth = new int[n];
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble();
            int c = u < 0.90 ? 0 : u < 0.95 ? 1 : 2;
            double mean = c switch { 0 => 0, 1 => -4, _ => 4 };
            z[i] = shift + scale * (mean + Gauss(rng));
            truth[i] = c;
        }
        return (z, truth);
    }

    [Fact]
    public void Recovers_the_planted_null_and_calls_both_tails_nearly_as_well_as_the_true_posterior()
    {
        // Directionality is on an arbitrary scale: plant the mixture at scale 30 around −5 to prove scale invariance.
        const double scale = 30, shift = -5;
        var (z, truth) = Planted(20_000, seed: 7, scale, shift);
        var genes = z.Select((_, i) => $"G{i}").ToArray();

        var result = ConstraintAnalysis.AnalyzeTissue("T", genes, z);

        Assert.InRange((result.Null.Mu0 - shift) / scale, -0.05, 0.05);
        Assert.InRange(result.Null.Sigma0 / scale, 0.93, 1.07);
        Assert.InRange(result.Null.Pi0, 0.85, 0.95);

        // The Bayes-optimal classifier with the true mixture sets the bar our estimated calls must nearly reach.
        int ours = 0, bayes = 0;
        for (int i = 0; i < z.Length; i++)
        {
            double x = (z[i] - shift) / scale;
            double p0 = 0.90 * Pdf(x, 0), pn = 0.05 * Pdf(x, -4), pp = 0.05 * Pdf(x, 4);
            double tot = p0 + pn + pp;
            int best = pn / tot > 0.5 ? 1 : pp / tot > 0.5 ? 2 : 0;
            int got = result.Genes[i].Call switch { ConstraintCall.Positive => 1, ConstraintCall.Negative => 2, _ => 0 };
            if (best == truth[i]) bayes++;
            if (got == truth[i]) ours++;
        }
        double accOurs = (double)ours / z.Length, accBayes = (double)bayes / z.Length;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"mu0 {(result.Null.Mu0 - shift) / scale:F4} sigma0 {result.Null.Sigma0 / scale:F4} pi0 {result.Null.Pi0:F4} accuracy {accOurs:F4} Bayes {accBayes:F4}");
        Assert.True(accBayes > 0.95, $"sanity: Bayes accuracy {accBayes}");
        Assert.True(accOurs > accBayes - 0.01, $"accuracy {accOurs:F4} vs Bayes-optimal {accBayes:F4}");

        // Sign convention: the low (decreasing) tail is positive constraint.
        Assert.Equal(ConstraintCall.Positive, result.Genes[Array.IndexOf(z, z.Min())].Call);
        Assert.Equal(ConstraintCall.Negative, result.Genes[Array.IndexOf(z, z.Max())].Call);
        foreach (var g in result.Genes)
            Assert.InRange(g.PPositive + g.PNegative + g.LocalFdr, 1 - 1e-12, 1 + 1e-12);
    }

    [Fact]
    public void A_pure_null_sample_gives_pi0_near_one_and_almost_no_calls()
    {
        var rng = new Random(3);
        var z = Enumerable.Range(0, 10_000).Select(_ => 2 + 3 * Gauss(rng)).ToArray();
        var result = ConstraintAnalysis.AnalyzeTissue("T", z.Select((_, i) => $"G{i}").ToArray(), z);
        Assert.InRange(result.Null.Mu0, 1.85, 2.15);
        Assert.InRange(result.Null.Sigma0, 2.8, 3.2);
        Assert.True(result.Null.Pi0 > 0.95, $"pi0 {result.Null.Pi0}");
        int called = result.Genes.Count(g => g.Call != ConstraintCall.None);
        Assert.True(called < 20, $"{called} false calls");
    }

    [Fact]
    public void Truncated_normal_mle_is_unbiased_where_the_moment_estimate_is_not()
    {
        // Inside ±1σ the sample SD of a normal is ~0.54σ; the truncated MLE must undo the truncation.
        var rng = new Random(11);
        var z = Enumerable.Range(0, 50_000).Select(_ => Gauss(rng)).ToArray();
        var fit = ConstraintAnalysis.FitEmpiricalNull(z, halfWidth: 1.0);
        var central = z.Where(v => v >= fit.Lower && v <= fit.Upper).ToArray();
        double sd = Math.Sqrt(central.Select(v => v * v).Average() - Math.Pow(central.Average(), 2));
        Assert.InRange(sd, 0.5, 0.58);
        Assert.InRange(fit.Sigma0, 0.95, 1.05);
        Assert.InRange(fit.Mu0, -0.03, 0.03);
    }

    [Fact]
    public async Task Analyzes_each_tissue_of_a_genes_parquet_separately()
    {
        var (z1, _) = Planted(3000, 1);
        var (z2, _) = Planted(3000, 2, scale: 10, shift: 3);
        var rows = z1.Select((v, i) => new GeneVariationPotential($"G{i}", "Liver", v, Math.Abs(v), 6003, 1))
            .Concat(z2.Select((v, i) => new GeneVariationPotential($"G{i}", "Lung", v, Math.Abs(v), 6003, 1))).ToList();
        string dir = Directory.CreateTempSubdirectory("constraint").FullName;
        string path = Path.Combine(dir, "genes.parquet");
        await GeneTable.WriteAsync(path, rows, TestContext.Current.CancellationToken);
        var back = await GeneTable.ReadAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(rows, back);

        var results = ConstraintAnalysis.Analyze(back);
        Assert.Equal(["Liver", "Lung"], results.Select(r => r.Tissue));
        Assert.InRange(results[0].Null.Sigma0, 0.85, 1.15);
        Assert.InRange(results[1].Null.Sigma0, 8.5, 11.5);
        Assert.InRange(results[1].Null.Mu0, 2, 4);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void A_tissue_without_spread_is_bad_input_naming_the_tissue()
    {
        var rows = Enumerable.Range(0, 100).Select(i => new GeneVariationPotential($"G{i}", "Flat", 0, 0, 6003, 0)).ToList();
        var e = Assert.Throws<ExPecto.Core.InputException>(() => ConstraintAnalysis.Analyze(rows));
        Assert.Contains("Flat", e.Message);
    }
}
