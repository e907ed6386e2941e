using ExPecto.Analysis.Io;
using ExPecto.Analysis.Risk;
using ExPecto.Analysis.Training;
using ExPecto.Core;

namespace ExPecto.Analysis.Tests;

/// <summary>The input shapes the analysis commands accept besides their own outputs.</summary>
public sealed class InputShapesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("shapes").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Gtex_gct_is_read_with_description_skipped_and_versions_stripped()
    {
        string path = Write("median.gct", "#1.2\n2\t2\nName\tDescription\tLiver\tWhole Blood\nENSG1.5\tAAA\t1.5\t0\nENSG2.1\tBBB\tNA\t7\n");
        var t = ExpressionTable.ReadCsv(path);
        Assert.Equal(["ENSG1", "ENSG2"], t.Genes);
        Assert.Equal(["Liver", "Whole Blood"], t.Tissues);
        Assert.Equal(1.5, t.Values[0][0]);
        Assert.True(double.IsNaN(t.Values[0][1]));
        Assert.Null(t.Chromosomes);
    }

    [Fact]
    public void A_chromosome_column_before_the_id_is_kept_as_the_genes_chromosome_not_a_tissue()
    {
        string path = Write("gtex.csv", "gene_name,chromosome,phewas phenotype,gene_id,Liver,Lung\nA,20,x,ENSG1.3,1,2\nB,8,y,ENSG2.1,3,4\n");
        var t = ExpressionTable.ReadCsv(path);
        Assert.Equal(["Liver", "Lung"], t.Tissues);
        Assert.Equal(["20", "8"], t.Chromosomes);
        var x = new FeatureMatrix(2, 1, [1f, 2f], ["ENSG2", "ENSG1"]);
        var anno = ExpressionModelTraining.AnnotationFromData(x, t);
        Assert.Equal(["8", "20"], anno.Select(a => a.Chrom));
    }

    [Fact]
    public async Task Feature_matrix_carries_chromosome_and_type_through_parquet()
    {
        var x = new FeatureMatrix(2, 3, [1, 2, 3, 4, 5, 6], ["G1", "G2"], ["a", "b", "c"]) { RowChrom = ["chr1", "chr8"], RowType = ["protein_coding", "rRNA"] };
        string path = Path.Combine(_dir, "f.parquet");
        await x.WriteParquetAsync(path, TestContext.Current.CancellationToken);
        var back = await FeatureMatrix.ReadParquetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(["a", "b", "c"], back.ColNames);
        Assert.Equal(x.Values, back.Values);
        Assert.Equal(["chr1", "chr8"], back.RowChrom);
        Assert.Equal(["protein_coding", "rRNA"], back.RowType);
        var anno = ExpressionModelTraining.AnnotationFromData(back, new ExpressionTable(["G1"], ["Liver"], [[1.0]]));
        Assert.Equal("rRNA", anno[1].Type);
    }

    [Fact]
    public async Task Expecto_predict_py_csv_reads_as_a_predictions_table()
    {
        // ExPecto predict.py's output: pandas index, the five VCF columns named 0..4, then dist, gene, strand, tissues.
        string path = Write("example.csv", ",index,0,1,2,3,4,dist,gene,strand,Liver,Lung\n0,0,chr1,1000,rs1,A,G,-50,ENSG1,+,0.25,-0.5\n1,1,chr1,2000,rs2,C,T,30,ENSG1,+,NA,1e-3\n");
        var e = await EffectsFile.ReadAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(["Liver", "Lung"], e.Tissues);
        Assert.Equal([1000, 2000], e.Pos);
        Assert.Equal(["A", "C"], e.Ref);
        Assert.Equal([-50, 30], e.Dist);
        Assert.Equal(0.25f, e.Tissue("Liver")[0]);
        Assert.True(float.IsNaN(e.Tissue("Liver")[1]));
        Assert.Equal(1e-3f, e.Tissue("Lung")[1]);
    }

    [Fact]
    public void Predictions_table_without_positions_names_the_missing_columns()
    {
        string path = Write("bad.tsv", "gene\tLiver\nG\t1\n");
        var e = Assert.Throws<InputException>(() => EffectsFile.ReadAsync(path, TestContext.Current.CancellationToken).GetAwaiter().GetResult());
        Assert.Contains("chrom, pos, ref, alt", e.Message);
    }

    [Fact]
    public void Tissue_metadata_file_overrides_the_shipped_table()
    {
        string path = Write("meta.tsv", "tissue\tcancer\nK562\t1\nLiver\t0\n");
        var meta = TissueMetadata.Load(path);
        Assert.True(meta.IsCancer("K562"));
        Assert.False(meta.IsCancer("Liver"));
        Assert.Equal([1], meta.NonCancerIndices(["K562", "Liver"]));
        Assert.Equal(26, TissueMetadata.Default.Tissues.Count(t => t.IsCancer));
        Assert.Equal(218, TissueMetadata.Default.Tissues.Count);
    }
}
