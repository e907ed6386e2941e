using System.IO.Compression;
using System.Text;
using ExPecto.Core.Genome;
using ExPecto.Core.Variants;
using ExPecto.Testing;

namespace ExPecto.Core.Tests.Variants;

public sealed class VcfReaderTests : IDisposable
{
    // chr1: ACGT repeated, so the base at 1-based p is "ACGT"[(p - 1) % 4]; 200 bp.
    private readonly TempDir _dir = new();
    private readonly IndexedFasta _genome;

    public VcfReaderTests()
    {
        string chr1 = string.Concat(Enumerable.Repeat("ACGT", 50));
        _genome = IndexedFasta.Open(_dir.Write("g.fa", ">chr1\n" + string.Join("\n", chr1.Chunk(60).Select(c => new string(c))) + "\n>chrM\nGATTACA\n"));
    }

    public void Dispose()
    {
        _genome.Dispose();
        _dir.Dispose();
    }

    private const string Header = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";

    private IReadOnlyList<VariantRecord> Read(string body, out VariantReadSummary summary, VcfReadOptions? options = null) =>
        VcfReader.ReadAll(_dir.Write("v.vcf", Header + body), _genome, out summary, options);

    [Fact]
    public void Splits_multi_allelic_lines_and_resolves_chr_aliases_to_the_genome_names()
    {
        var records = Read("1\t5\trs1\tA\tC,g\t.\tPASS\t.\nchr1\t6\t.\tc\tT\n", out var s);

        Assert.Equal(
            [
                new VariantRecord("chr1", 5, "rs1", "A", "C", 3),
                new VariantRecord("chr1", 5, "rs1", "A", "G", 3),
                new VariantRecord("chr1", 6, ".", "C", "T", 4),
            ],
            records);
        Assert.Equal((2L, 3L, 1L, 3L), (s.DataLines, s.AllelesRead, s.MultiAllelicLines, s.Yielded));
    }

    [Fact]
    public void Reads_headerless_five_column_vcf_like_expectos_example()
    {
        string path = TestPaths.RequireSharedData("expecto/example/example.vcf");

        var records = VcfReader.ReadAll(path, genome: null, out var s);

        // Expected values come from the file itself (licensed data stays out of the repository), split naively.
        string[] raw = File.ReadAllLines(path).Select(l => l.Split('\t')).Select(f => string.Join("|", f[0], f[1], f[2], f[3], f[4])).ToArray();
        Assert.Equal(raw, records.Select(r => string.Join("|", r.Chrom, r.Pos, r.Id, r.Ref, r.Alt)));
        Assert.Equal(0, s.SkippedTotal);
    }

    [Fact]
    public void Reads_the_sure_raqtl_vcf_against_hg19_chr20_with_every_ref_matching()
    {
        string vcf = TestPaths.RequireSharedData("sure_raqtl_vanarensbergen2019/chr20_raqtls.vcf");
        using var genome = IndexedFasta.Open(Path.Combine(TestPaths.RequireSharedData("hg19_chr20"), "hg19_chr20.fa.gz"));

        var records = VcfReader.ReadAll(vcf, genome, out var s, new VcfReadOptions { RefMismatch = RefMismatchPolicy.Error });

        Assert.Equal(881, records.Count);
        Assert.Equal(new VariantRecord("20", 258_295, "rs6046446", "G", "T", 12), records[0]);
        Assert.Equal((881L, 0L, 0L), (s.Yielded, s.RefMismatches, s.SkippedTotal));
    }

    [Fact]
    public void Reads_gzip_vcf_of_real_indels_against_hg19_chr20()
    {
        string vcf = Path.Combine(TestPaths.RequireSharedData("hg19_chr20/vt_normalize_indels"), "chr20_indels_normalized_by_vt.vcf.gz");
        using var genome = IndexedFasta.Open(Path.Combine(TestPaths.RequireSharedData("hg19_chr20"), "hg19_chr20.fa.gz"));

        var records = VcfReader.ReadAll(vcf, genome, out var s, new VcfReadOptions { RefMismatch = RefMismatchPolicy.Error });

        Assert.Equal(194, records.Count);
        Assert.Contains(records, r => r.Pos == 421_805 && r.Ref == "T" && r.Alt == "TCCA");
        Assert.Equal(0, s.SkippedTotal);
    }

    [Fact]
    public void Reads_bgzf_vcf_by_its_magic_bytes_whatever_its_name()
    {
        string path = _dir.File("v.txt");
        using (var w = new BgzfWriter(File.Create(path)))
            w.Write(Encoding.ASCII.GetBytes(Header + "chr1\t5\t.\tA\tC\n"));

        var records = VcfReader.ReadAll(path, _genome, out _);

        Assert.Equal("C", Assert.Single(records).Alt);
    }

    [Fact]
    public void Reads_crlf_lines_after_a_utf8_bom()
    {
        string path = _dir.File("bom.vcf");
        File.WriteAllText(path, (Header + "chr1\t5\t.\tA\tC\n").Replace("\n", "\r\n"), new UTF8Encoding(true));

        var records = VcfReader.ReadAll(path, _genome, out _);

        Assert.Equal(new VariantRecord("chr1", 5, ".", "A", "C", 3), Assert.Single(records));
    }

    [Fact]
    public void Symbolic_star_and_missing_alleles_are_skipped_per_allele_with_their_reason()
    {
        var records = Read("chr1\t5\t.\tA\t<DEL>,C,*\nchr1\t6\t.\tC\t.\nchr1\t7\t.\tG\tG[chr1:20[\nchr1\t8\t.\tT\tR\n", out var s);

        Assert.Equal("C", Assert.Single(records).Alt);
        Assert.Equal(2, s.Skipped(VariantSkipReason.SymbolicAllele));
        Assert.Equal(1, s.Skipped(VariantSkipReason.StarAllele));
        Assert.Equal(1, s.Skipped(VariantSkipReason.MissingAlt));
        Assert.Equal(1, s.Skipped(VariantSkipReason.NonAcgtnAllele));
        Assert.Equal(s.AllelesRead, s.Yielded + s.SkippedTotal);
    }

    [Fact]
    public void Indels_longer_than_the_limit_are_refused_per_allele()
    {
        string longRef = _genome.Fetch("chr1", 0, 102);
        string okRef = _genome.Fetch("chr1", 0, 101);

        var records = Read($"chr1\t1\tbig\t{longRef}\tA,{longRef[..2]}\nchr1\t1\tok\t{okRef}\tA\n", out var s);

        Assert.Equal(["ok"], records.Select(r => r.Id));
        Assert.Equal(2, s.Skipped(VariantSkipReason.IndelTooLong));
    }

    [Fact]
    public void Unknown_contigs_and_positions_off_the_contig_are_skipped_and_counted()
    {
        var records = Read("chr9\t5\t.\tA\tC,G\nchr1\t0\t.\tA\tC\nchr1\t200\t.\tT\tC\nchr1\t200\t.\tTA\tT\nchr1\t201\t.\tA\tC\n", out var s);

        Assert.Equal([200L], records.Select(r => r.Pos));
        Assert.Equal(2, s.Skipped(VariantSkipReason.UnknownContig));
        Assert.Equal(3, s.Skipped(VariantSkipReason.OffContig));
    }

    [Fact]
    public void Ref_mismatch_is_warned_and_kept_by_default()
    {
        var warnings = new List<string>();

        var records = Read("chr1\t5\t.\tG\tC\n", out var s, new VcfReadOptions { Warning = warnings.Add });

        Assert.Single(records);
        Assert.Equal(1, s.RefMismatches);
        Assert.Contains("chr1:5", Assert.Single(warnings));
    }

    [Fact]
    public void Ref_mismatch_is_skipped_under_the_skip_policy()
    {
        var records = Read("chr1\t5\t.\tG\tC,T\nchr1\t5\t.\tA\tC\n", out var s, new VcfReadOptions { RefMismatch = RefMismatchPolicy.Skip });

        Assert.Single(records);
        Assert.Equal(2, s.Skipped(VariantSkipReason.RefMismatch));
    }

    [Fact]
    public void Ref_mismatch_stops_under_the_error_policy_naming_the_line()
    {
        var ex = Assert.Throws<InputException>(() => Read("chr1\t5\t.\tA\tC\nchr1\t6\t.\tGT\tC\n", out _, new VcfReadOptions { RefMismatch = RefMismatchPolicy.Error }));

        Assert.Equal(4, ex.Line);
        Assert.Contains("'GT'", ex.Message);
        Assert.Contains("'CG'", ex.Message);
    }

    [Theory]
    [InlineData("chr1\t5\t.\tA\n", "at least 5")]
    [InlineData("chr1\tfive\t.\tA\tC\n", "numeric")]
    [InlineData("chr1\t5\t.\t\tC\n", "REF")]
    [InlineData("chr1\t5\t.\t.\tC\n", "REF")]
    public void Malformed_lines_are_input_errors_with_file_and_line(string line, string expected)
    {
        var ex = Assert.Throws<InputException>(() => Read("chr1\t5\t.\tA\tC\n" + line, out _));

        Assert.EndsWith("v.vcf", ex.FilePath);
        Assert.Equal(4, ex.Line);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Empty_vcf_file_is_an_input_error()
    {
        string path = _dir.Write("empty.vcf", "");

        var ex = Assert.Throws<InputException>(() => new VcfReader(path, _genome).Read());

        Assert.Contains("empty", ex.Message);
    }

    [Fact]
    public void Truncated_gzip_vcf_is_an_input_error()
    {
        string path = _dir.File("cut.vcf.gz");
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int i = 1; i <= 2000; i++)
                gz.Write(Encoding.ASCII.GetBytes($"chr1\t{i % 200 + 1}\trs{i}\tN\tC\n"));
        }
        File.WriteAllBytes(path, ms.ToArray()[..(int)(ms.Length / 2)]);

        Assert.Throws<InputException>(() => new VcfReader(path, _genome).Read().Count());
    }
}
