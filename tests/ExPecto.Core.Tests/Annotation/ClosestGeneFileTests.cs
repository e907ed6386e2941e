using ExPecto.Core.Annotation;
using ExPecto.Testing;

namespace ExPecto.Core.Tests.Annotation;

public class ClosestGeneFileTests
{
    [Fact]
    public void Reads_expecto_example_closest_gene_rows_as_variant_gene_and_strand()
    {
        var rows = ClosestGeneFile.Read(TestPaths.RequireSharedData("expecto/example/example.vcf.bed.sorted.bed.closestgene")).ToList();

        Assert.Equal(new ClosestGeneAssignment("1", 1_265_154, "C", "T", "ENSG00000169962", 1, 1506, 1), rows[0]);
        Assert.Equal(-19_532, rows[2].Distance);
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
