using ExPecto.Core.Annotation;
using ExPecto.Testing;

namespace ExPecto.Core.Tests.Annotation;

public class ClosestGeneFileTests
{
    [Fact]
    public void Reads_expecto_example_closest_gene_rows_as_variant_gene_and_strand()
    {
        string path = TestPaths.RequireSharedData("expecto/example/example.vcf.bed.sorted.bed.closestgene");
        var rows = ClosestGeneFile.Read(path).ToList();

        // Expected values come from the file itself (licensed data stays out of the repository), split naively.
        string[][] raw = File.ReadAllLines(path).Select(l => l.Split('\t')).ToArray();
        Assert.Equal(raw.Length, rows.Count);
        for (int i = 0; i < raw.Length; i++)
        {
            string[] f = raw[i];
            var expected = new ClosestGeneAssignment(f[0], long.Parse(f[1]) + 1, f[3], f[4], f[9], f[8] == "+" ? 1 : -1, long.Parse(f[10]), i + 1);
            Assert.Equal(expected, rows[i]);
        }
        Assert.Contains(rows, r => r.Distance < 0);
    }

    [Fact]
    public void Distances_are_the_geneanno_tss_minus_the_variant_position()
    {
        var anno = GeneAnnotation.Load(TestPaths.RequireSharedData("expecto/resources/geneanno.csv"));

        foreach (ClosestGeneAssignment r in ClosestGeneFile.Read(TestPaths.RequireSharedData("expecto/example/example.vcf.bed.sorted.bed.closestgene")))
        {
            Assert.True(anno.TryGet(r.GeneId, out Gene g));
            Assert.Equal(g.Tss - r.Pos, r.Distance);
            Assert.Equal(g.Strand, r.Strand);
        }
    }

    [Fact]
    public void Row_with_too_few_columns_is_an_input_error_with_its_line()
    {
        using var dir = new TempDir();
        string path = dir.Write("x.closestgene", "1\t9\t10\tC\tT\t1\t99\t100\t+\tG1\t90\n1\t19\t20\tC\tT\t1\t99\t100\t+\tG1\n");

        var ex = Assert.Throws<InputException>(() => ClosestGeneFile.Read(path).ToList());

        Assert.Equal(2, ex.Line);
        Assert.Contains("11", ex.Message);
    }
}
