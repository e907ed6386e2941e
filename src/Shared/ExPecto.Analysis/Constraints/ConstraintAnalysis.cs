using System.Globalization;
using System.Text;
using ExPecto.Analysis.Io;
using ExPecto.Analysis.Statistics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace ExPecto.Analysis.Constraints;

/// <summary>
/// Sign convention (Zhou et al. 2018, Fig. 4): a gene whose mutations mostly <em>decrease</em> expression
/// (directionality far below the null) has a promoter sequence tuned for high expression and is under
/// <see cref="Positive"/> constraint (selection against lower expression); one whose mutations mostly increase
/// expression (directionality far above the null) is under <see cref="Negative"/> constraint (selection against
/// higher expression). A variant violates the constraint when effect × directionality &gt; 0.
/// </summary>
public enum ConstraintCall
{
    None = 0,
    Positive = 1,
    Negative = 2,
}

/// <summary>
/// The empirical null N(<paramref name="Mu0"/>, <paramref name="Sigma0"/>²) fitted to the central part
/// [<paramref name="Lower"/>, <paramref name="Upper"/>] of the distribution, holding <paramref name="CentralCount"/>
/// of <paramref name="Count"/> values; <paramref name="Pi0"/> is the estimated null proportion (≤ 1).
/// </summary>
public sealed record EmpiricalNull(double Mu0, double Sigma0, double Pi0, double Lower, double Upper, int CentralCount, int Count);

/// <summary>
/// One gene's result in one tissue: local fdr = π0·f0(z)/f(z) (clipped to [0,1]) and the posterior probabilities of the
/// positive- (left of the null) and negative-constraint (right of the null) components, which sum to 1 − fdr.
/// </summary>
public sealed record GeneConstraint(string Gene, string Tissue, double Directionality, double LocalFdr,
    double PPositive, double PNegative, ConstraintCall Call);

/// <summary>One tissue: the fitted null, the mixture density fit, and every gene's call.</summary>
public sealed record TissueConstraints(string Tissue, EmpiricalNull Null, MixtureDensity Density, IReadOnlyList<GeneConstraint> Genes);

/// <summary>Options of the constraint analysis (defaults follow Efron's locfdr).</summary>
public sealed record ConstraintOptions
{
    /// <summary>Half-width of the central interval in robust SDs; null = locfdr's 4.3·N^(−0.26) (1 above 500,000 values).</summary>
    public double? CentralHalfWidth { get; init; }

    /// <summary>Histogram bins for the mixture density (locfdr: breaks = 120).</summary>
    public int Bins { get; init; } = 120;

    /// <summary>Polynomial degree of the Poisson regression (locfdr: df = 7).</summary>
    public int Degree { get; init; } = 7;

    /// <summary>A gene is called when the posterior of its component exceeds this.</summary>
    public double CallThreshold { get; init; } = 0.5;
}

/// <summary>
/// Evolutionary constraint on expression from the gene-wise variation-potential directionality, following Efron's
/// local false discovery rate (locfdr, "MLE" empirical null):
/// <list type="number">
/// <item>robust centre and scale: median and IQR/(2·Φ⁻¹(0.75));</item>
/// <item>null N(μ0, σ0²) by maximising the truncated-normal likelihood of the values inside
///   [median − k·scale, median + k·scale]; π0 = (N0/N) / P_null(interval), capped at 1;</item>
/// <item>mixture density f by Poisson regression of histogram counts on a degree-7 polynomial of the bin centres
///   (locfdr's <c>type = 1</c>; Legendre basis on the rescaled range for conditioning);</item>
/// <item>fdr(z) = π0·f0(z)/f(z), made non-increasing away from μ0 on each side; the non-null posterior 1 − fdr goes to the positive-constraint component when z &lt; μ0
///   and to the negative-constraint one when z &gt; μ0; a gene is called when its posterior exceeds 0.5.</item>
/// </list>
/// </summary>
public static class ConstraintAnalysis
{
    private const double QuartileZ = 0.6744897501960817;

    /// <summary>Runs the analysis for every tissue present in the gene table (tissues in first-seen order).</summary>
    public static IReadOnlyList<TissueConstraints> Analyze(IReadOnlyList<GeneVariationPotential> genes, ConstraintOptions? options = null)
    {
        var result = new List<TissueConstraints>();
        foreach (var group in genes.GroupBy(g => g.Tissue))
        {
            var rows = group.Where(g => double.IsFinite(g.Directionality)).ToArray();
            try
            {
                result.Add(AnalyzeTissue(group.Key, rows.Select(r => r.Gene).ToArray(), rows.Select(r => r.Directionality).ToArray(), options));
            }
            catch (ArgumentException e)
            {
                throw new ExPecto.Core.InputException($"tissue '{group.Key}' ({rows.Length} genes with a finite directionality): {e.Message}");
            }
        }
        return result;
    }

    /// <summary>The analysis of one tissue's directionality values (<paramref name="genes"/>[i] has value <paramref name="z"/>[i]).</summary>
    public static TissueConstraints AnalyzeTissue(string tissue, IReadOnlyList<string> genes, double[] z, ConstraintOptions? options = null)
    {
        options ??= new ConstraintOptions();
        if (genes.Count != z.Length) throw new ArgumentException("genes and values differ in length");
        var fit = FitEmpiricalNull(z, options.CentralHalfWidth);
        var density = MixtureDensity.Fit(z, options.Bins, options.Degree);
        var fdr = MonotoneTailFdr(fit, density, z);
        var calls = new GeneConstraint[z.Length];
        for (int i = 0; i < z.Length; i++)
        {
            double nonNull = 1 - fdr[i];
            double pPos = z[i] < fit.Mu0 ? nonNull : 0;
            double pNeg = z[i] > fit.Mu0 ? nonNull : 0;
            var call = pPos > options.CallThreshold ? ConstraintCall.Positive
                : pNeg > options.CallThreshold ? ConstraintCall.Negative
                : ConstraintCall.None;
            calls[i] = new GeneConstraint(genes[i], tissue, z[i], fdr[i], pPos, pNeg, call);
        }
        return new TissueConstraints(tissue, fit, density, calls);
    }

    /// <summary>
    /// Local fdr of every value, made non-increasing from μ0 outwards on each side (running minimum). A polynomial
    /// log-density can fall faster than the Gaussian null beyond the last populated bins, which would otherwise make
    /// the most extreme genes look null; a value further out than a called one is at least as non-null.
    /// </summary>
    public static double[] MonotoneTailFdr(EmpiricalNull fit, MixtureDensity density, double[] z)
    {
        var fdr = z.Select(v => LocalFdr(fit, density, v)).ToArray();
        var order = Enumerable.Range(0, z.Length).Where(i => double.IsFinite(z[i])).OrderBy(i => z[i]).ToArray();
        double run = 1;
        foreach (int i in order.Where(i => z[i] >= fit.Mu0))
            fdr[i] = run = Math.Min(run, fdr[i]);
        run = 1;
        foreach (int i in order.Where(i => z[i] < fit.Mu0).Reverse())
            fdr[i] = run = Math.Min(run, fdr[i]);
        return fdr;
    }

    /// <summary>π0·f0(z)/f(z), clipped to [0, 1] (before tail monotonisation).</summary>
    public static double LocalFdr(EmpiricalNull fit, MixtureDensity density, double z)
    {
        double f0 = NormalPdf(z, fit.Mu0, fit.Sigma0);
        double f = density.Density(z);
        if (!(f > 0)) return 1;
        return Math.Clamp(fit.Pi0 * f0 / f, 0, 1);
    }

    /// <summary>
    /// locfdr's MLE empirical null: truncated-normal maximum likelihood on the values within
    /// median ± k·(IQR/1.349). <paramref name="halfWidth"/> = k; null = locfdr's default 4.3·N^(−0.26).
    /// </summary>
    public static EmpiricalNull FitEmpiricalNull(double[] z, double? halfWidth = null)
    {
        var sorted = z.Where(double.IsFinite).Order().ToArray();
        int n = sorted.Length;
        if (n < 10) throw new ArgumentException($"need at least 10 finite values to fit an empirical null, found {n}");
        double median = Rank.Quantile(sorted, 0.5);
        double scale = (Rank.Quantile(sorted, 0.75) - Rank.Quantile(sorted, 0.25)) / (2 * QuartileZ);
        if (!(scale > 0)) throw new ArgumentException("the central values are all equal: the null has no spread");
        double k = halfWidth ?? (n > 500_000 ? 1.0 : 4.3 * Math.Exp(-0.26 * Math.Log10(n)));
        double a = median - k * scale, b = median + k * scale;
        var central = sorted.Where(v => v >= a && v <= b).ToArray();
        int n0 = central.Length;

        // Negative log-likelihood of N(μ, σ²) truncated to [a, b], over (μ, log σ).
        double Nll(Vector<double> p)
        {
            double mu = p[0], sigma = Math.Exp(p[1]);
            double mass = NormalCdf((b - mu) / sigma) - NormalCdf((a - mu) / sigma);
            if (!(mass > 1e-300)) return double.MaxValue;
            double ss = 0;
            foreach (var v in central) { double r = (v - mu) / sigma; ss += r * r; }
            return 0.5 * ss + n0 * Math.Log(sigma) + n0 * Math.Log(mass);
        }

        var start = Vector<double>.Build.DenseOfArray([median, Math.Log(scale)]);
        var step = Vector<double>.Build.DenseOfArray([0.1 * scale, 0.1]);
        var min = NelderMeadSimplex.Minimum(ObjectiveFunction.Value(Nll), start, step, 1e-12, 5000);
        double mu0 = min.MinimizingPoint[0], sigma0 = Math.Exp(min.MinimizingPoint[1]);
        double p0 = NormalCdf((b - mu0) / sigma0) - NormalCdf((a - mu0) / sigma0);
        double pi0 = Math.Min(1.0, (double)n0 / n / p0);
        return new EmpiricalNull(mu0, sigma0, pi0, a, b, n0, n);
    }

    /// <summary>
    /// Writes <c>null.tsv</c> (tissue, mu0, sigma0, pi0, lower, upper, central, genes, positive, negative) and
    /// <c>calls.tsv</c> (gene, tissue, directionality, local_fdr, p_positive, p_negative, call) and <c>density.tsv</c>
    /// (tissue, bin centre z, count, mixture density f, null density π0·f0, local fdr) into <paramref name="dir"/>.
    /// </summary>
    public static async Task WriteTsvAsync(string dir, IReadOnlyList<TissueConstraints> results)
    {
        var nulls = new StringBuilder("tissue\tmu0\tsigma0\tpi0\tlower\tupper\tcentral\tgenes\tpositive\tnegative\n");
        var calls = new StringBuilder("gene\ttissue\tdirectionality\tlocal_fdr\tp_positive\tp_negative\tcall\n");
        foreach (var r in results)
        {
            var n = r.Null;
            nulls.Append(CultureInfo.InvariantCulture,
                $"{r.Tissue}\t{n.Mu0:R}\t{n.Sigma0:R}\t{n.Pi0:R}\t{n.Lower:R}\t{n.Upper:R}\t{n.CentralCount}\t{n.Count}\t{r.Genes.Count(g => g.Call == ConstraintCall.Positive)}\t{r.Genes.Count(g => g.Call == ConstraintCall.Negative)}\n");
            foreach (var g in r.Genes)
                calls.Append(CultureInfo.InvariantCulture,
                    $"{g.Gene}\t{g.Tissue}\t{g.Directionality:R}\t{g.LocalFdr:R}\t{g.PPositive:R}\t{g.PNegative:R}\t{g.Call.ToString().ToLowerInvariant()}\n");
        }
        // The density estimate on the histogram grid: what locfdr plots (counts, fitted mixture f, scaled null π0·f0).
        var density = new StringBuilder("tissue\tz\tcount\tmixture_density\tnull_density\tlocal_fdr\n");
        foreach (var r in results)
            for (int i = 0; i < r.Density.BinCentres.Length; i++)
            {
                double z = r.Density.BinCentres[i];
                density.Append(CultureInfo.InvariantCulture,
                    $"{r.Tissue}\t{z:R}\t{r.Density.Counts[i]:R}\t{r.Density.Density(z):R}\t{r.Null.Pi0 * NormalPdf(z, r.Null.Mu0, r.Null.Sigma0):R}\t{LocalFdr(r.Null, r.Density, z):R}\n");
            }
        await AtomicFile.WriteAllTextAsync(Path.Combine(dir, "density.tsv"), density.ToString());
        await AtomicFile.WriteAllTextAsync(Path.Combine(dir, "null.tsv"), nulls.ToString());
        await AtomicFile.WriteAllTextAsync(Path.Combine(dir, "calls.tsv"), calls.ToString());
    }

    internal static double NormalPdf(double x, double mu, double sigma)
    {
        double r = (x - mu) / sigma;
        return Math.Exp(-0.5 * r * r) / (sigma * Math.Sqrt(2 * Math.PI));
    }

    internal static double NormalCdf(double x) => 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-x / Math.Sqrt(2));
}

/// <summary>
/// The mixture density f as locfdr estimates it: a histogram of the values (equal bins over their range), then a
/// Poisson GLM (log link, fitted by IRLS) of the bin counts on a polynomial of the bin centre. Evaluated at any z by
/// the fitted polynomial, normalised by N · bin width so it integrates to about 1.
/// </summary>
public sealed class MixtureDensity
{
    private readonly double[] _beta;
    private readonly double _lo, _hi, _norm;

    public double[] BinCentres { get; }
    public double[] Counts { get; }

    private MixtureDensity(double[] beta, double lo, double hi, double norm, double[] centres, double[] counts)
    {
        _beta = beta; _lo = lo; _hi = hi; _norm = norm;
        BinCentres = centres; Counts = counts;
    }

    public static MixtureDensity Fit(double[] z, int bins = 120, int degree = 7)
    {
        var v = z.Where(double.IsFinite).ToArray();
        double lo = v.Min(), hi = v.Max();
        if (!(hi > lo)) throw new ArgumentException("all values are equal: no density to fit");
        double width = (hi - lo) / bins;
        var counts = new double[bins];
        foreach (var x in v) counts[Math.Min(bins - 1, (int)((x - lo) / width))]++;
        var centres = Enumerable.Range(0, bins).Select(i => lo + (i + 0.5) * width).ToArray();

        var X = Matrix<double>.Build.Dense(bins, degree + 1, (i, j) => Legendre(j, Scale(centres[i], lo, hi)));
        var y = Vector<double>.Build.DenseOfArray(counts);
        var beta = Vector<double>.Build.Dense(degree + 1);
        beta[0] = Math.Log(Math.Max(counts.Average(), 1e-10));
        for (int iter = 0; iter < 100; iter++)
        {
            var eta = X * beta;
            var mu = eta.Map(Math.Exp);
            var w = mu.Map(m => Math.Max(m, 1e-10));
            var work = eta + (y - mu).PointwiseDivide(w);
            var xtw = X.Transpose() * Matrix<double>.Build.DiagonalOfDiagonalVector(w);
            var next = (xtw * X).Solve(xtw * work);
            double change = (next - beta).AbsoluteMaximum();
            beta = next;
            if (change < 1e-10) break;
        }
        return new MixtureDensity(beta.ToArray(), lo, hi, v.Length * width, centres, counts);
    }

    /// <summary>The expected bin count at <paramref name="z"/> (the Poisson fit), as locfdr plots it.</summary>
    public double ExpectedCount(double z)
    {
        double t = Scale(z, _lo, _hi);
        double eta = 0;
        for (int j = 0; j < _beta.Length; j++) eta += _beta[j] * Legendre(j, t);
        return Math.Exp(eta);
    }

    /// <summary>The density estimate f(z).</summary>
    public double Density(double z) => ExpectedCount(z) / _norm;

    private static double Scale(double x, double lo, double hi) => 2 * (x - lo) / (hi - lo) - 1;

    private static double Legendre(int n, double x)
    {
        if (n == 0) return 1;
        double p0 = 1, p1 = x;
        for (int k = 2; k <= n; k++)
        {
            double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
            p0 = p1; p1 = p2;
        }
        return p1;
    }
}
