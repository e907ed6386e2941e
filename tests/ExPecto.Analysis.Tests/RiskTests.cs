using ExPecto.Analysis.Io;
using ExPecto.Analysis.Risk;
using ExPecto.Testing;

namespace ExPecto.Analysis.Tests;

public class RiskTests
{
    private static GeneEffects Table(string[] tissues, params (string Gene, string Chrom, int Pos, string Ref, string Alt, float[] Effects)[] rows) => new()
    {
        Gene = rows.Select(r => r.Gene).ToArray(),
        Chrom = rows.Select(r => r.Chrom).ToArray(),
        Pos = rows.Select(r => r.Pos).ToArray(),
        Ref = rows.Select(r => r.Ref).ToArray(),
        Alt = rows.Select(r => r.Alt).ToArray(),
        Dist = rows.Select(_ => 0).ToArray(),
        Tissues = tissues,
        Effects = tissues.Select((_, t) => rows.Select(r => r.Effects[t]).ToArray()).ToArray(),
    };

    [Fact]
    public void Tissue_metadata_flags_the_cancer_cell_lines_among_the_218_models()
    {
        var m = TissueMetadata.Default;
        Assert.Equal(218, m.Tissues.Count);
        Assert.Equal(26, m.Tissues.Count(t => t.IsCancer));
        foreach (var name in new[] { "K562 | ENCODE", "K562 | Roadmap", "HepG2 | ENCODE", "HELA", "A549", "MCF-7", "SK-N-DZ", "PC-3" })
            Assert.True(m.IsCancer(name), name);
        foreach (var name in new[] { "GM12878 | ENCODE", "H4-hESC", "Cells EBV-Transformed Lymphocytes", "Liver | GTEx", "LHCN-M2", "Whole Blood" })
            Assert.False(m.IsCancer(name), name);
        Assert.Equal(218, m.Tissues.Select(t => t.Tissue).Distinct().Count());
    }

    [Fact]
    public void Tissue_metadata_names_are_exactly_expectos_modellist()
    {
        string path = TestPaths.RequireSharedData("expecto/resources/modellist");
        var names = File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')[1]).ToArray();
        Assert.Equal(names, TissueMetadata.Default.Tissues.Select(t => t.Tissue));
    }

    [Fact]
    public void Violation_score_is_the_median_of_effect_times_directionality_over_non_cancer_tissues()
    {
        string[] tissues = ["Liver | GTEx", "K562 | ENCODE", "Lung | GTEx", "Whole Blood"];
        var effects = Table(tissues,
            ("G1", "chr1", 100, "A", "G", [-0.5f, 9f, -0.25f, 0.1f]),
            ("G2", "chr1", 200, "C", "T", [0.2f, -9f, 0.4f, 0.3f]));
        var genes = new[]
        {
            new GeneVariationPotential("G1", "Liver | GTEx", -10, 20, 6003, 0),
            new GeneVariationPotential("G1", "K562 | ENCODE", 100, 200, 6003, 0),
            new GeneVariationPotential("G1", "Lung | GTEx", -4, 20, 6003, 0),
            new GeneVariationPotential("G1", "Whole Blood", -2, 20, 6003, 0),
            new GeneVariationPotential("G2", "Liver | GTEx", 5, 20, 6003, 0),
            // G2 has no Lung and no Whole Blood directionality: those tissues are skipped for the score.
        };
        var risk = RiskScoring.Score(effects, RiskScoring.DirectionalityIndex(genes));
        // G1: products over Liver, Lung, Whole Blood = 5, 1, −0.2 → median 1 (K562 is a cancer line, excluded).
        Assert.Equal(1.0, risk[0].ViolationScore, 6);
        Assert.Equal(0.5, risk[0].MaxAbsEffect, 6);
        Assert.Equal("Liver | GTEx", risk[0].MaxTissue);
        // G2: only Liver has a directionality: 0.2·5 = 1; the max |effect| ignores K562's −9.
        Assert.Equal(1.0, risk[1].ViolationScore, 6);
        Assert.Equal(0.4, risk[1].MaxAbsEffect, 6);
    }

    [Fact]
    public async Task Gwas_loci_rank_by_the_largest_non_cancer_effect_over_genes()
    {
        string dir = Directory.CreateTempSubdirectory("gwas").FullName;
        string loci = Path.Combine(dir, "loci.tsv");
        await File.WriteAllLinesAsync(loci,
        [
            "locus\tvariant\tchrom\tpos\tref\talt\tr2",
            "rs1\trs1\tchr1\t100\tA\tG\t1",
            "rs1\trs2\tchr1\t150\tC\tT\t0.9",
            "rs1\trs3\tchr1\t170\tG\tA\t0.85",
            "rs1\trs4\tchr1\t999\tG\tA\t0.95",
            "rs9\trs9\t2\t500\tT\tC\t1",
        ], TestContext.Current.CancellationToken);
        string[] tissues = ["Liver | GTEx", "K562 | ENCODE"];
        var tableA = Table(tissues,
            ("G1", "1", 100, "A", "G", [0.05f, 3f]),
            ("G1", "1", 150, "C", "T", [-0.3f, 0f]),
            ("G1", "1", 170, "G", "A", [0.1f, 0f]));
        var tableB = Table(tissues, ("G2", "1", 170, "G", "A", [0.2f, 0f]), ("G3", "2", 500, "T", "C", [0.01f, 0f]));

        var ranked = GwasPrioritizer.Prioritize(GwasPrioritizer.ReadLoci(loci), [tableA, tableB]);

        var rs1 = ranked.Where(r => r.Locus == "rs1").ToArray();
        Assert.Equal(["rs2", "rs3", "rs1", "rs4"], rs1.Select(r => r.Variant.Variant));
        Assert.Equal([1, 2, 3, 4], rs1.Select(r => r.Rank));
        Assert.Equal("G2", rs1[1].Gene);           // the best gene for rs3 is G2 (0.2 > 0.1)
        Assert.Equal(0.05, rs1[2].MaxAbsEffect, 6); // K562's 3.0 is ignored
        Assert.True(double.IsNaN(rs1[3].MaxAbsEffect));
        Assert.Equal("G3", ranked.Single(r => r.Locus == "rs9").Gene);
        Directory.Delete(dir, true);
    }
}
