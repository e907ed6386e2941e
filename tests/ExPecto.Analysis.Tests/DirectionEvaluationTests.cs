using ExPecto.Analysis.Evaluation;
using ExPecto.Analysis.Io;
using ExPecto.Analysis.Statistics;
using ExPecto.Testing;

namespace ExPecto.Analysis.Tests;

public class DirectionEvaluationTests
{
    [Fact]
    public void Curve_counts_sign_agreement_among_the_largest_predicted_effects()
    {
        double[] measured = [1.0, -2.0, 0.5, -0.1, 3.0, 0.0, -1.0];
        double[] predicted = [0.9, 0.8, -0.05, -0.3, 0.2, 0.7, 0.0];
        // Directed (both ≠ 0), by |pred|: idx0 (+,+ ok) 0.9, idx1 (−,+ wrong) 0.8, idx3 (−,− ok) 0.3, idx4 (+,+ ok) 0.2, idx2 (+,− wrong) 0.05
        var curve = DirectionEvaluation.Curve(measured, predicted, points: 5);
        Assert.Equal([1, 2, 3, 4, 5], curve.Select(c => c.Count));
        Assert.Equal([1.0, 0.5, 2.0 / 3, 0.75, 0.6], curve.Select(c => c.Accuracy));
        Assert.Equal([0.9, 0.8, 0.3, 0.2, 0.05], curve.Select(c => c.Cutoff));
    }

    [Fact]
    public void Stronger_predictions_are_more_often_right_on_a_planted_signal()
    {
        var rng = new Random(1);
        int n = 4000;
        var measured = new double[n];
        var predicted = new double[n];
        for (int i = 0; i < n; i++)
        {
            measured[i] = rng.NextDouble() * 2 - 1;
            predicted[i] = 0.5 * measured[i] + 0.3 * (rng.NextDouble() * 2 - 1);
        }
        var eval = DirectionEvaluation.Evaluate("T", measured, predicted, 10);
        Assert.True(eval.Curve[0].Accuracy > 0.99, $"top decile accuracy {eval.Curve[0].Accuracy}");
        Assert.True(eval.Curve[^1].Accuracy < eval.Curve[0].Accuracy);
        Assert.Equal(n, eval.Curve[^1].Count);
        Assert.Equal(Rank.Auroc(predicted, measured.Select(v => v > 0).ToArray()), eval.Auroc);
        Assert.Equal(Rank.Spearman(predicted, measured), eval.Spearman);
    }

    [Fact]
    public void Matching_uses_the_nearest_tss_row_and_ignores_chr_prefixes()
    {
        var t = new GeneEffects
        {
            Gene = ["FAR", "NEAR", "OTHER"], Chrom = ["chr5", "chr5", "chr5"], Pos = [1295228, 1295228, 1295250],
            Ref = ["G", "G", "G"], Alt = ["A", "A", "A"], Dist = [-15000, 120, 98],
            Tissues = ["Liver | GTEx"], Effects = [[-0.5f, 0.25f, 0.1f]],
        };
        var measured = new[]
        {
            new MeasuredVariant("5", 1295228, "G", "A", 2.86, 0, "TERT-GBM"),
            new MeasuredVariant("5", 1295228, "G", "T", 1, 0, "TERT-GBM"),
        };
        var matched = DirectionEvaluation.Match(measured, [t]);
        Assert.Single(matched);
        Assert.Equal("NEAR", matched[0].Table.Gene[matched[0].Row]);
    }

    [Fact]
    public void Reads_kircher_mpra_grch37_snvs()
    {
        string path = TestPaths.RequireSharedData("mpra_satmut_kircher2019/elements.tsv.gz");
        var rows = MeasuredVariantReaders.ReadKircherMpra(path);
        // 44,658 GRCh37 rows − 11 with NA coordinates − 5,477 deletions (counted independently with python).
        Assert.Equal(39170, rows.Count);
        Assert.Equal(18002, rows.Count(r => r.Effect > 0));
        Assert.Equal(29, rows.Select(r => r.Group).Distinct().Count());
        var c228t = rows.Single(r => r.Group == "TERT-GBM" && r.Pos == 1295228 && r.Alt == "A");
        Assert.Equal(("5", "G"), (c228t.Chrom, c228t.Ref));
        Assert.Equal(2.85625305964987, c228t.Effect, 10);
    }

    [Fact]
    public void Reads_sure_raqtl_lists_and_the_chr20_vcf()
    {
        var k562 = MeasuredVariantReaders.ReadSureRaqtl(TestPaths.RequireSharedData("sure_raqtl_vanarensbergen2019/k562.sign.id.LP190708.txt.gz"));
        Assert.Equal(19237, k562.Count);
        Assert.Equal(9686, k562.Count(r => r.Effect > 0));
        Assert.All(k562, r => Assert.Equal("k562", r.Group));
        var first = k562[0];
        Assert.Equal(("chr5", 1559341, "T", "C", "rs10056572"), (first.Chrom, first.Pos, first.Ref, first.Alt, first.Id));
        Assert.Equal(Math.Log2((11.3923597990901 + 0.01) / (0.511228426374167 + 0.01)), first.Effect, 12);

        var vcf = MeasuredVariantReaders.ReadEffectVcf(TestPaths.RequireSharedData("sure_raqtl_vanarensbergen2019/chr20_raqtls.vcf"));
        Assert.Equal(881, vcf.Count);
        Assert.Equal(420, vcf.Count(r => r.Effect > 0));
        Assert.Equal(502, vcf.Count(r => r.Group == "k562"));
    }
}
