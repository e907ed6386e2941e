using ExPecto.Analysis.Statistics;

namespace ExPecto.Analysis.Tests;

public class RankTests
{
    [Fact]
    public void Spearman_with_ties_matches_scipy()
    {
        // scipy 1.10.1: spearmanr([3,1,4,1,5,9,2,6,5,3,5], [2,7,1,8,2,8,1,8,2,8,4]).correlation
        double[] x = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
        double[] y = [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4];
        Assert.Equal(0.1384567651467695, Rank.Spearman(x, y), 12);
    }

    [Fact]
    public void Auroc_with_ties_matches_mann_whitney_u()
    {
        // scipy 1.10.1: mannwhitneyu(pos, neg).statistic / (n_pos * n_neg)
        double[] s = [0.1, 0.4, 0.35, 0.8, 0.4, 0.2, 0.9];
        bool[] lab = [false, false, true, true, true, false, true];
        Assert.Equal(0.875, Rank.Auroc(s, lab), 12);
        Assert.True(double.IsNaN(Rank.Auroc([1.0, 2.0], [true, true])));
    }

    [Fact]
    public void Median_and_quantile_follow_numpy()
    {
        Assert.Equal(2.5, Rank.Median([4.0, 1, 2, 3]));
        Assert.Equal(1.75, Rank.Quantile([1.0, 2, 3, 4], 0.25));
    }
}
