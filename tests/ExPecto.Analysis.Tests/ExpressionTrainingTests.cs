using System.Globalization;
using ExPecto.Analysis.Statistics;
using ExPecto.Analysis.Training;

namespace ExPecto.Analysis.Tests;

public class ExpressionTrainingTests
{
    private sealed record Synthetic(FeatureMatrix Features, List<GeneAnnotation> Annotation, string ExpressionCsv);

    private static Synthetic Make(int genes = 400, int p = 12)
    {
        var rng = new Random(5);
        string[] chroms = ["chr1", "chr2", "chr3", "chr8", "chr9", "chrX", "chrY"];
        // Feature magnitudes like ExPecto's decay-weighted sums: lambda·n = 100·n only lets large columns learn in 100 rounds.
        var w = Enumerable.Range(0, p).Select(_ => (rng.NextDouble() - 0.5) / 12).ToArray();
        var values = new float[genes * p];
        var anno = new List<GeneAnnotation>();
        var csv = new List<string> { "id,Liver,Lung" };
        for (int i = 0; i < genes; i++)
        {
            double s = 0;
            for (int j = 0; j < p; j++) { values[i * p + j] = (float)(rng.NextDouble() * 60); s += w[j] * values[i * p + j]; }
            string type = i % 25 == 0 ? "rRNA" : "protein_coding";
            anno.Add(new GeneAnnotation($"ENSG{i:D5}", $"S{i}", chroms[i % chroms.Length], i % 2 == 0 ? '+' : '-', 1000 + i, 1000 + i, type));
            double liver = Math.Exp(1 + s + 0.3 * (rng.NextDouble() - 0.5));
            string lung = i % 7 == 3 ? "NA" : (liver * 2).ToString("R", CultureInfo.InvariantCulture);
            // versioned ids in the expression file, as GTEx ships them
            csv.Add($"ENSG{i:D5}.3,{liver.ToString("R", CultureInfo.InvariantCulture)},{lung}");
        }
        var features = new FeatureMatrix(genes, p, values, anno.Select(a => a.Id).ToArray());
        return new Synthetic(features, anno, string.Join("\n", csv));
    }

    [Fact]
    public void Holds_out_chr8_drops_sex_chromosomes_and_rrna_and_trains_on_the_rest()
    {
        var data = Make();
        string dir = Directory.CreateTempSubdirectory("train").FullName;
        string csvPath = Path.Combine(dir, "expr.csv");
        File.WriteAllText(csvPath, data.ExpressionCsv);
        var expr = ExpressionTable.ReadCsv(csvPath);
        Assert.Equal(["Liver", "Lung"], expr.Tissues);
        Assert.Equal("ENSG00000", expr.Genes[0]);

        var result = ExpressionModelTraining.TrainTissue(data.Features, data.Annotation, expr, "Liver", ct: TestContext.Current.CancellationToken);

        // The expected split, written out independently of the implementation.
        var train = new List<int>(); var test = new List<int>();
        for (int i = 0; i < data.Annotation.Count; i++)
        {
            var a = data.Annotation[i];
            if (a.Type == "rRNA" || a.Chrom is "chrX" or "chrY") continue;
            (a.Chrom == "chr8" ? test : train).Add(i);
        }
        Assert.Equal(train.Count, result.TrainRows);
        Assert.Equal(test.Count, result.HoldoutRows);
        Assert.Equal(test.Select(i => data.Annotation[i].Id), result.HoldoutGenes);

        var y = train.Select(i => (float)Math.Log(expr.Values[0][i] + 0.0001)).ToArray();
        var direct = GblinearTrainer.Train(data.Features.SelectRows(train), y, ct: TestContext.Current.CancellationToken);
        Assert.Equal(direct.Weights, result.Model.Weights);
        Assert.Equal(direct.Bias, result.Model.Bias);

        Assert.Equal(Rank.Spearman(result.HoldoutPredicted.Select(v => (double)v).ToArray(), result.HoldoutObserved.Select(v => (double)v).ToArray()), result.HoldoutSpearman);
        Assert.True(result.HoldoutSpearman > 0.8, $"holdout Spearman {result.HoldoutSpearman}");
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Missing_expression_values_are_dropped_like_non_finite_labels()
    {
        var data = Make();
        string path = Path.Combine(Directory.CreateTempSubdirectory("train").FullName, "expr.csv");
        File.WriteAllText(path, data.ExpressionCsv);
        var expr = ExpressionTable.ReadCsv(path);
        var liver = ExpressionModelTraining.TrainTissue(data.Features, data.Annotation, expr, "Liver", ct: TestContext.Current.CancellationToken);
        var lung = ExpressionModelTraining.TrainTissue(data.Features, data.Annotation, expr, "Lung", ct: TestContext.Current.CancellationToken);
        Assert.True(lung.TrainRows + lung.HoldoutRows < liver.TrainRows + liver.HoldoutRows);
    }

    [Fact]
    public void Reads_the_real_geneanno_csv()
    {
        string path = ExPecto.Testing.TestPaths.RequireSharedData("expecto/resources/geneanno.csv");
        var anno = GeneAnnotationReader.Read(path);
        Assert.Equal(24339, anno.Count);
        Assert.Equal(522, anno.Count(a => a.Type == "rRNA"));
        Assert.Equal(new GeneAnnotation("ENSG00000000003", "TSPAN6", "chrX", '-', 99894988, 99891748, "protein_coding"), anno[0]);
    }

    [Fact]
    public async Task Feature_matrix_parquet_round_trips()
    {
        var data = Make(genes: 20, p: 5);
        string path = Path.Combine(Directory.CreateTempSubdirectory("fm").FullName, "features.parquet");
        await data.Features.WriteParquetAsync(path, TestContext.Current.CancellationToken);
        var back = await FeatureMatrix.ReadParquetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(data.Features.Values, back.Values);
        Assert.Equal(data.Features.RowNames, back.RowNames);
        Assert.Equal(data.Features.ColNames, back.ColNames);
    }

    [Fact]
    public void Safe_names_keep_tissues_apart()
    {
        Assert.Equal("Liver_GTEx", ExpressionModelTraining.SafeName("Liver | GTEx"));
        Assert.Equal("hESC-derived_CD184_Endoderm_Cultured_Cells", ExpressionModelTraining.SafeName("hESC-derived CD184+ Endoderm Cultured Cells"));
    }
}
