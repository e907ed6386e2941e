using ExPecto.Testing;
using ExPecto.Analysis.Io;

namespace ExPecto.Cli.Tests;

/// <summary>
/// A GENCODE-layout GTF (tests/fixtures/annotation, made by make_fixtures_annotation.py) reproduces the demo TSS
/// BED's effects: with `--gene-types protein_coding` predict-variants and mutagenesis give the BED's output, gene ids
/// apart (the GTF keeps GENCODE's version suffix). The GTF also holds a gene without an Ensembl_canonical
/// transcript (gene-record fallback), a lncRNA next to a variant (filtered) and a gene on a contig the genome lacks
/// (skipped with a count).
/// </summary>
public sealed class GtfAnnotationCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("expecto-gtf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Gtf => TestPaths.Fixture("annotation/demo_gencode.gtf");

    private static string Bed => Path.Combine(TestPaths.RepoRoot, "demo", "genes.bed");

    private static string Unversioned(string id) => id.LastIndexOf('.') is int dot and > 0 ? id[..dot] : id;

    [Fact]
    public void Predict_variants_with_the_gtf_equals_the_bed_and_the_gene_type_filter_matters()
    {
        string fromBed = Path.Combine(_dir, "bed.tsv"), fromGtf = Path.Combine(_dir, "gtf.tsv"), unfiltered = Path.Combine(_dir, "all.tsv");
        var bed = ExpectoProcess.Run(TimeSpan.FromMinutes(5), _dir, "predict-variants", "--annotation", Bed, "--out", fromBed);
        Assert.True(bed.ExitCode == 0, bed.ToString());
        var gtf = ExpectoProcess.Run(TimeSpan.FromMinutes(5), _dir, "predict-variants", "--annotation", Gtf, "--gene-types", "protein_coding", "--out", fromGtf);
        Assert.True(gtf.ExitCode == 0, gtf.ToString());
        Assert.Contains("1 genes skipped on contigs the genome lacks (chrUn_gl000220)", gtf.StdErr);
        Assert.Contains("1 of 34 genes left out by --gene-types protein_coding", gtf.StdErr);

        string[] b = File.ReadAllLines(fromBed), g = File.ReadAllLines(fromGtf);
        Assert.Equal(b.Length, g.Length);
        Assert.True(b.Length > 50);
        for (int i = 0; i < b.Length; i++)
        {
            string[] bc = b[i].Split('\t'), gc = g[i].Split('\t');
            if (i > 0) Assert.Matches(@"^ENSG\d+\.\d+$", gc[4]); // gene_id as the GTF writes it
            gc[4] = Unversioned(gc[4]);
            Assert.Equal(bc, gc);
        }

        // Without the filter the lncRNA 10 bp from rs2236024 takes that variant: the filter is what makes them equal.
        var all = ExpectoProcess.Run(TimeSpan.FromMinutes(5), _dir, "predict-variants", "--annotation", Gtf, "--out", unfiltered);
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Contains(File.ReadAllLines(unfiltered), l => l.StartsWith("chr20\t23331021\t", StringComparison.Ordinal) && l.Contains("\tLNC_DEMO.1\t+\t-10\t"));
    }

    [Fact]
    public async Task Mutagenesis_with_the_gtf_equals_the_bed_for_a_canonical_and_a_fallback_gene()
    {
        // ENSG00000088833: − strand, Ensembl_canonical transcript; ENSG00000101384: no canonical tag (gene record's end).
        string genes = "ENSG00000088833,ENSG00000101384";
        string fromBed = Path.Combine(_dir, "bed"), fromGtf = Path.Combine(_dir, "gtf");
        var bed = ExpectoProcess.Run(TimeSpan.FromMinutes(5), _dir, "mutagenesis", "--annotation", Bed, "--genes", genes, "--radius", "3", "--out", fromBed);
        Assert.True(bed.ExitCode == 0, bed.ToString());
        var gtf = ExpectoProcess.Run(TimeSpan.FromMinutes(5), _dir, "mutagenesis", "--annotation", Gtf, "--gene-types", "protein_coding",
            "--genes", genes, "--radius", "3", "--out", fromGtf);
        Assert.True(gtf.ExitCode == 0, gtf.ToString());

        foreach (var (id, version) in new[] { ("ENSG00000088833", "ENSG00000088833.1"), ("ENSG00000101384", "ENSG00000101384.3") })
        {
            var b = await EffectsFile.ReadAsync(EffectsOf(fromBed, id), TestContext.Current.CancellationToken);
            var g = await EffectsFile.ReadAsync(EffectsOf(fromGtf, version), TestContext.Current.CancellationToken);
            Assert.Equal(21, b.Pos.Length);
            Assert.Equal(Enumerable.Repeat(version, 21), g.Gene);
            Assert.Equal(b.Chrom, g.Chrom);
            Assert.Equal(b.Pos, g.Pos);
            Assert.Equal(b.Ref, g.Ref);
            Assert.Equal(b.Alt, g.Alt);
            Assert.Equal(b.Dist, g.Dist);
            Assert.Equal(b.Tissues, g.Tissues);
            for (int t = 0; t < b.Tissues.Count; t++) Assert.Equal(b.Effects[t], g.Effects[t]);
        }
    }

    private static string EffectsOf(string run, string gene) =>
        Directory.GetFiles(Path.Combine(run, "effects"), gene + ".parquet", SearchOption.AllDirectories).Single();
}
