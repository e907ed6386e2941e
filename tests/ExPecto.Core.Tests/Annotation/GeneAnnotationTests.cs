using ExPecto.Core.Annotation;
using ExPecto.Testing;

namespace ExPecto.Core.Tests.Annotation;

public class GeneAnnotationTests
{
    private const string Header = "id,symbol,seqnames,strand,TSS,CAGE_representative_TSS,type";

    private static GeneAnnotation LoadCsv(TempDir dir, params string[] rows) =>
        GeneAnnotation.Load(dir.Write("genes.csv", string.Join("\r\n", [Header, .. rows]) + "\r\n"));

    [Fact]
    public void Reads_expecto_geneanno_csv_using_the_cage_representative_tss()
    {
        string path = TestPaths.RequireSharedData("expecto/resources/geneanno.csv");

        var anno = GeneAnnotation.Load(path);

        // Expected values come from the file itself (licensed data stays out of the repository), split naively.
        string[][] raw = File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(raw.Length, anno.Genes.Count);
        for (int i = 0; i < raw.Length; i += 97)
        {
            string[] f = raw[i];
            Assert.Equal(new Gene(f[0], f[1], f[2], f[3] == "+" ? 1 : -1, long.Parse(f[5]), f[6], i + 2), anno.Genes[i]);
            Assert.Equal(f[3][0], anno.Genes[i].StrandChar);
        }
        // PROVENANCE of hg19_chr20: 662 genes on chr20, 517 of them protein-coding.
        Assert.Equal(662, anno.OnChrom("20").Count);
        Assert.Equal(517, anno.Select("chrom:chr20").Count(g => g.Type == "protein_coding"));
    }

    [Fact]
    public void Expecto_tss_bed_gives_the_same_tss_and_strand_as_geneanno_csv()
    {
        var csv = GeneAnnotation.Load(TestPaths.RequireSharedData("expecto/resources/geneanno.csv"));
        var bed = GeneAnnotation.Load(TestPaths.RequireSharedData("expecto/resources/geneanno.pc.sorted.bed"));

        Assert.Equal(18_625, bed.Genes.Count);
        foreach (Gene g in bed.Genes)
        {
            Assert.True(csv.TryGet(g.Id, out Gene c), g.Id);
            Assert.Equal((c.Tss, c.Strand, c.Chrom), (g.Tss, g.Strand, g.Chrom));
        }
    }

    [Fact]
    public void Xpresso_bed6_windows_give_their_centre_as_the_tss()
    {
        var csv = GeneAnnotation.Load(TestPaths.RequireSharedData("expecto/resources/geneanno.csv"));
        var xpresso = GeneAnnotation.Load(TestPaths.RequireSharedData("xpresso_hg19_promoters/hg19_promoters_cage_corrected_withChr.bed"));

        Assert.Equal(18_362, xpresso.Genes.Count);
        Assert.True(xpresso.TryGet("ENSG00000000003", out Gene tspan6));
        Assert.Equal((99_891_748L, -1), (tspan6.Tss, tspan6.Strand));
        // PROVENANCE.md: of 18,033 genes shared with geneanno.csv, 15,467 have start0 + 10001 == CAGE_representative_TSS.
        var shared = xpresso.Genes.Where(g => csv.TryGet(g.Id, out _)).ToList();
        Assert.Equal(18_033, shared.Count);
        Assert.Equal(15_467, shared.Count(g => csv.TryGet(g.Id, out Gene c) && c.Tss == g.Tss));
    }

    [Fact]
    public void Accepts_a_utf8_bom_and_crlf()
    {
        using var dir = new TempDir();
        string path = dir.File("bom.csv");
        File.WriteAllText(path, Header + "\r\nG1,S1,chr1,+,100,110,protein_coding\r\n", new System.Text.UTF8Encoding(true));

        var anno = GeneAnnotation.Load(path);

        Assert.Equal(new Gene("G1", "S1", "chr1", 1, 110, "protein_coding", 2), Assert.Single(anno.Genes));
    }

    [Fact]
    public void Duplicate_gene_ids_are_an_input_error_naming_both_lines()
    {
        using var dir = new TempDir();

        var ex = Assert.Throws<InputException>(() => LoadCsv(dir,
            "G1,S1,chr1,+,100,110,protein_coding",
            "G2,S2,chr1,+,200,210,protein_coding",
            "G1,S3,chr2,-,300,310,lincRNA"));

        Assert.Equal(4, ex.Line);
        Assert.Contains("G1", ex.Message);
        Assert.Contains("line 2", ex.Message);
        Assert.Contains("line 4", ex.Message);
    }

    [Fact]
    public void Empty_annotation_is_an_input_error()
    {
        using var dir = new TempDir();

        var ex = Assert.Throws<InputException>(() => GeneAnnotation.Load(dir.Write("empty.csv", "")));

        Assert.Contains("empty", ex.Message);
    }

    [Theory]
    [InlineData("G1,S1,chr1,+,100,110", "7 comma-separated columns")]
    [InlineData("G1,S1,chr1,*,100,110,pc", "strand")]
    [InlineData("G1,S1,chr1,+,100,11x,pc", "TSS")]
    public void Malformed_csv_rows_are_input_errors_with_their_line(string row, string expected)
    {
        using var dir = new TempDir();

        var ex = Assert.Throws<InputException>(() => LoadCsv(dir, "G0,S0,chr1,+,1,1,pc", row));

        Assert.Equal(3, ex.Line);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Nearest_picks_the_closest_tss_and_breaks_ties_by_file_order()
    {
        using var dir = new TempDir();
        var anno = LoadCsv(dir,
            "B,b,chr1,+,0,200,pc",
            "A,a,chr1,-,0,100,pc",
            "C,c,chr1,+,0,200,pc",
            "D,d,chr2,+,0,50,pc");

        Assert.Equal("A", anno.Nearest("chr1", 1)!.Id);
        Assert.Equal("A", anno.Nearest("1", 140)!.Id);
        Assert.Equal("B", anno.Nearest("chr1", 160)!.Id);
        Assert.Equal("B", anno.Nearest("chr1", 150)!.Id); // 50 from A and from B/C: B is first in the file
        Assert.Equal("B", anno.Nearest("chr1", 10_000)!.Id); // B and C share a TSS: B is first
        Assert.Equal("D", anno.Nearest("chr2", 1)!.Id);
        Assert.Null(anno.Nearest("chr3", 1));
    }

    [Fact]
    public void Nearest_agrees_with_expecto_closest_gene_assignments()
    {
        var bed = GeneAnnotation.Load(TestPaths.RequireSharedData("expecto/resources/geneanno.pc.sorted.bed"));
        var rows = ClosestGeneFile.Read(TestPaths.RequireSharedData("expecto/example/example.vcf.bed.sorted.bed.closestgene")).ToList();

        Assert.Equal(10, rows.Count);
        foreach (ClosestGeneAssignment r in rows)
        {
            Gene g = bed.Nearest(r.Chrom, r.Pos)!;
            Assert.Equal(r.GeneId, g.Id);
            Assert.Equal(r.Strand, g.Strand);
            Assert.Equal(r.Distance, g.Tss - r.Pos);
        }
    }

    [Fact]
    public void Select_understands_all_chromosome_list_and_file_specs()
    {
        using var dir = new TempDir();
        var anno = LoadCsv(dir,
            "G1,S1,chr1,+,0,100,pc",
            "G2,S2,chr2,+,0,100,pc",
            "G3,S3,chr1,-,0,300,pc");
        string list = dir.Write("ids.txt", "# wanted\nG3\nG1, G3\n");

        Assert.Equal(["G1", "G2", "G3"], anno.Select("all").Select(g => g.Id));
        Assert.Equal(["G1", "G3"], anno.Select("chrom:1").Select(g => g.Id));
        Assert.Equal(["G2", "G1"], anno.Select("G2,G1,G2").Select(g => g.Id));
        Assert.Equal(["G3"], anno.Select("G3.7").Select(g => g.Id));
        Assert.Equal(["G3", "G1"], anno.Select("@" + list).Select(g => g.Id));
    }

    [Fact]
    public void Select_names_unknown_ids_and_chromosomes_without_genes()
    {
        using var dir = new TempDir();
        var anno = LoadCsv(dir, "G1,S1,chr1,+,0,100,pc");

        Assert.Contains("NOPE", Assert.Throws<InputException>(() => anno.Select("G1,NOPE")).Message);
        Assert.Contains("'chr9'", Assert.Throws<InputException>(() => anno.Select("chrom:chr9")).Message);
    }
}
