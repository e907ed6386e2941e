using System.Globalization;
using ExPecto.Core.Transforms;
using ExPecto.Testing;
using PureHDF;

namespace ExPecto.Core.Tests.Support;

/// <summary>One variant of ExPecto's example, joined to its closest gene the way predict.py joins them.</summary>
internal sealed record ExampleVariant(string Chrom, long Position, string Ref, string Alt, string Gene, int StrandSign, long Distance);

/// <summary>ExPecto's example run (../shared/data/expecto/example): variants, genes and chromatin differences.</summary>
internal sealed class ExpectoExample
{
    public const int Features = 2002;

    private ExpectoExample(string root, IReadOnlyList<ExampleVariant> variants, float[][] deltas)
    {
        Root = root;
        Variants = variants;
        Deltas = deltas;
    }

    /// <summary>The shared expecto folder.</summary>
    public string Root { get; }

    public IReadOnlyList<ExampleVariant> Variants { get; }

    /// <summary>Per variant: Δ laid out [9 shifts × 2002] in VariantShifts.All order.</summary>
    public float[][] Deltas { get; }

    public static ExpectoExample Load()
    {
        string root = TestPaths.RequireSharedData("expecto");
        string example = Path.Combine(root, "example");
        var vcf = File.ReadAllLines(Path.Combine(example, "example.vcf")).Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split('\t')).ToArray();
        var genes = File.ReadAllLines(Path.Combine(example, "example.vcf.bed.sorted.bed.closestgene")).Where(l => l.Length > 0)
            .Select(l => l.Split('\t')).ToArray();

        var variants = new List<ExampleVariant>();
        foreach (var v in vcf)
        {
            string key = v[0].Replace("chr", "") + " " + v[1];
            // predict.py: match "chrom pos" against the gene file's column 0 and column 2 (the variant's BED end).
            var g = genes.First(r => r[0].Replace("chr", "") + " " + r[2] == key);
            long tssMinusPos = long.Parse(g[^1], CultureInfo.InvariantCulture);
            int strand = g[^3] switch { "+" => 1, "-" => -1, var s => throw new InvalidDataException("strand " + s) };
            variants.Add(new ExampleVariant(v[0], long.Parse(v[1], CultureInfo.InvariantCulture), v[3], v[4], g[^2], strand, -tssMinusPos));
        }

        int n = variants.Count;
        var deltas = Enumerable.Range(0, n).Select(_ => new float[VariantShifts.All.Length * Features]).ToArray();
        for (int si = 0; si < VariantShifts.All.Length; si++)
        {
            float[] pred = ReadPred(Path.Combine(example, $"example.vcf.shift_{VariantShifts.All[si]}.diff.h5"));
            Assert.Equal(2 * n * Features, pred.Length);
            for (int i = 0; i < n; i++)
            {
                VariantFeatures.StrandMean(
                    pred.AsSpan(i * Features, Features),
                    pred.AsSpan((n + i) * Features, Features),
                    deltas[i].AsSpan(si * Features, Features));
            }
        }
        return new ExpectoExample(root, variants, deltas);
    }

    /// <summary>The /pred dataset, [2n × 2002] float32 row-major (forward rows, then reverse-complement rows).</summary>
    public static float[] ReadPred(string path)
    {
        using var file = H5File.OpenRead(path);
        return file.Dataset("pred").Read<float[]>();
    }

    /// <summary>A CSV of numbers with a header row; returns the header and the rows as cells.</summary>
    public static (string[] Header, string[][] Rows) ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        return (SplitCsv(lines[0]), lines.Skip(1).Select(SplitCsv).ToArray());
    }

    // The reference CSVs quote nothing except possibly names with commas; handle quotes anyway.
    private static string[] SplitCsv(string line)
    {
        var cells = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted)
            {
                cells.Add(current.ToString());
                current.Clear();
            }
            else current.Append(c);
        }
        cells.Add(current.ToString());
        return cells.ToArray();
    }
}
