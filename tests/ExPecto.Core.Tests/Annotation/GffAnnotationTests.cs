using System.IO.Compression;
using ExPecto.Core.Annotation;
using ExPecto.Core.Genome;
using ExPecto.Testing;

namespace ExPecto.Core.Tests.Annotation;

/// <summary>GTF/GFF3 annotations: the Ensembl_canonical TSS rule, ids as written, gene types, bad lines.</summary>
public sealed class GffAnnotationTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static GeneAnnotation DemoBed() => GeneAnnotation.Load(Path.Combine(TestPaths.RepoRoot, "demo", "genes.bed"));

    private static void AssertSameTss(GeneAnnotation expected, GeneAnnotation actual)
    {
        Assert.Equal(expected.Genes.Count, actual.Genes.Count);
        for (int i = 0; i < expected.Genes.Count; i++)
        {
            Gene e = expected.Genes[i], a = actual.Genes[i];
            Assert.True(a.Id == e.Id || a.Id.StartsWith(e.Id + ".", StringComparison.Ordinal), $"{a.Id} vs {e.Id}");
            Assert.Equal(ContigNames.Key(e.Chrom), ContigNames.Key(a.Chrom));
            Assert.Equal((e.Id, e.Strand, e.Tss), (e.Id, a.Strand, a.Tss));
        }
    }

    [Fact]
    public void Gencode_gtf_fixture_gives_the_demo_tss_of_every_protein_coding_gene_and_keeps_versioned_ids()
    {
        var gtf = GeneAnnotation.Load(TestPaths.Fixture("annotation/demo_gencode.gtf"));
        Assert.Equal(34, gtf.Genes.Count); // 32 demo genes, LNC_DEMO, GENE_OFF_GENOME
        var coding = gtf.WithTypes(["protein_coding"]);
        var onGenome = coding.OnContigs(c => c == "chr20", out int skipped, out var missing);
        Assert.Equal(1, skipped);
        Assert.Equal(["chrUn_gl000220"], missing);
        AssertSameTss(DemoBed(), onGenome);
        Assert.Equal("ENSG00000088833.1", gtf.Genes[0].Id);         // gene_id as written, version kept
        Assert.Equal("DEMO1", gtf.Genes[0].Symbol);
        Assert.True(gtf.TryGet("ENSG00000088833", out var g) && g.Id == "ENSG00000088833.1"); // found without the version too
        var lnc = gtf.Genes.Single(x => x.Id == "LNC_DEMO.1");
        Assert.Equal(("lncRNA", 23331031L, 1), (lnc.Type, lnc.Tss, lnc.Strand));
    }

    [Fact]
    public void Ensembl_gff3_fixture_gives_the_same_tss_with_gene_id_not_the_ID_attribute()
    {
        var gff = GeneAnnotation.Load(TestPaths.Fixture("annotation/demo_ensembl.gff3"));
        Assert.Equal("ENSG00000088833", gff.Genes[0].Id);
        Assert.Equal("20", gff.Genes[0].Chrom);
        var coding = gff.WithTypes(["protein_coding"]).OnContigs(c => c == "20", out int skipped, out _);
        Assert.Equal(1, skipped);
        AssertSameTss(DemoBed(), coding);
        Assert.Equal("lncRNA", gff.Genes.Single(x => x.Id == "LNC_DEMO").Type);
    }

    [Fact]
    public void Gzip_gtf_and_content_detection_without_an_extension_read_the_same_genes()
    {
        string plain = TestPaths.Fixture("annotation/demo_gencode.gtf");
        string gz = _dir.File("anno.gtf.gz");
        using (var o = File.Create(gz))
        using (var z = new GZipStream(o, CompressionLevel.Fastest))
            File.OpenRead(plain).CopyTo(z);
        string noExt = _dir.File("anno.txt");
        File.Copy(TestPaths.Fixture("annotation/demo_ensembl.gff3"), noExt);
        Assert.Equal(GeneAnnotation.Load(plain).Genes, GeneAnnotation.Load(gz).Genes);
        Assert.Equal(GeneAnnotation.Load(TestPaths.Fixture("annotation/demo_ensembl.gff3")).Genes.Select(g => g.Tss),
            GeneAnnotation.Load(noExt).Genes.Select(g => g.Tss));
    }

    private string Gtf(params string[] lines) => Write("a.gtf", lines);

    private string Write(string name, string[] lines)
    {
        string path = _dir.File(name);
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    [Fact]
    public void Canonical_transcript_wins_over_the_gene_record_on_both_strands_and_the_gene_record_is_the_fallback()
    {
        var a = GeneAnnotation.Load(Gtf(
            "#!genome-build GRCh38",
            "1\tensembl\tgene\t100\t900\t.\t+\t.\tgene_id \"G1\"; gene_version \"3\"; gene_biotype \"protein_coding\";",
            "1\tensembl\ttranscript\t100\t900\t.\t+\t.\tgene_id \"G1\"; transcript_id \"T1\"; tag \"basic\";",
            "1\tensembl\ttranscript\t300\t800\t.\t+\t.\tgene_id \"G1\"; transcript_id \"T2\"; tag \"basic\"; tag \"Ensembl_canonical\";",
            "1\tensembl\tgene\t1000\t2000\t.\t-\t.\tgene_id \"G2\"; gene_biotype \"lncRNA\";",
            "1\tensembl\ttranscript\t1000\t1700\t.\t-\t.\tgene_id \"G2\"; transcript_id \"T3\"; tag \"Ensembl_canonical\";",
            "1\tensembl\tgene\t3000\t4000\t.\t-\t.\tgene_id \"G3\"; gene_biotype \"protein_coding\";",
            "1\tensembl\ttranscript\t3000\t3500\t.\t-\t.\tgene_id \"G3\"; transcript_id \"T4\";",
            "2\tensembl\ttranscript\t50\t70\t.\t+\t.\tgene_id \"G4\"; transcript_id \"T5\"; gene_type \"misc_RNA\";",
            "2\tensembl\ttranscript\t40\t60\t.\t+\t.\tgene_id \"G4\"; transcript_id \"T6\";"));
        Assert.Equal(["G1", "G2", "G3", "G4"], a.Genes.Select(g => g.Id));
        Assert.Equal([300L, 1700, 4000, 40], a.Genes.Select(g => g.Tss)); // + start, − end; no gene record: span of transcripts
        Assert.Equal(["protein_coding", "lncRNA", "protein_coding", "misc_RNA"], a.Genes.Select(g => g.Type));
        Assert.Equal(["G1", "G3"], a.WithTypes(["protein_coding"]).Genes.Select(g => g.Id));
    }

    [Fact]
    public void Gff3_children_before_their_parent_and_percent_encoding_are_read()
    {
        var a = GeneAnnotation.Load(Write("b.gff3", [
            "##gff-version 3",
            "X\thavana\tmRNA\t500\t900\t.\t-\t.\tID=transcript:T1;Parent=gene:G1;tag=basic,Ensembl_canonical;Note=a%2Cb",
            "X\thavana\tgene\t100\t1000\t.\t-\t.\tID=gene:G1;Name=A%3BB;biotype=protein_coding;gene_id=G1",
            "X\thavana\texon\t500\t900\t.\t-\t.\tParent=transcript:T1;rank=1",
        ]));
        var g = Assert.Single(a.Genes);
        Assert.Equal(("G1", "A;B", 900L, -1), (g.Id, g.Symbol, g.Tss, g.Strand));
    }

    [Theory]
    [InlineData("1\tx\tgene\t100\t900\t.\t+\tgene_id \"G1\";", 2, "expected 9 tab-separated GTF columns")]
    [InlineData("1\tx\tgene\t900\t100\t.\t+\t.\tgene_id \"G1\";", 2, "expected 1-based start ≤ end")]
    [InlineData("1\tx\tgene\t100\t900\t.\t.\t.\tgene_id \"G1\";", 2, "expected strand '+' or '-'")]
    [InlineData("1\tx\tgene\t100\t900\t.\t+\t.\tgene_name \"A\";", 2, "expected a gene_id attribute")]
    [InlineData("1\tx\tgene\t100\t900\t.\t+\t.\tgene_id \"G1;", 2, "expected a closing '\"'")]
    public void Bad_gtf_lines_name_the_file_the_line_and_what_was_expected(string bad, int line, string expected)
    {
        string path = Gtf("##format: gtf", bad);
        var ex = Assert.Throws<InputException>(() => GeneAnnotation.Load(path));
        Assert.Equal(path, ex.FilePath);
        Assert.Equal(line, ex.Line);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Gene_types_on_a_bed_or_matching_nothing_are_input_errors()
    {
        Assert.Contains("no gene types", Assert.Throws<InputException>(() => DemoBed().WithTypes(["protein_coding"])).Message);
        var gtf = GeneAnnotation.Load(TestPaths.Fixture("annotation/demo_gencode.gtf"));
        Assert.Contains("lncRNA, protein_coding", Assert.Throws<InputException>(() => gtf.WithTypes(["snRNA"])).Message);
    }
}
