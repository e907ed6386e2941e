using ExPecto.Testing;
using System.IO.Compression;
using System.Text;
using CsCheck;
using ExPecto.Core.Annotation;
using ExPecto.Core.Genome;
using ExPecto.Core.Models;
using ExPecto.Core.Variants;
using ExPecto.Testing.Fuzz;

namespace ExPecto.Core.Tests.BadInput;

/// <summary>
/// Random and mutated inputs for every Core parser: each must parse or throw InputException, promptly and without
/// believing a corrupt length (see <see cref="FuzzHarness"/>).
/// </summary>
public sealed class ParserFuzzTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string ValidVcf =
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" +
        "chr1\t5\trs1\tA\tC,G\t.\t.\t.\nchr1\t10\t.\tAC\tA\t.\t.\t.\n2\t3\t.\tG\t<DEL>\t.\t.\t.\nchr2\t7\t.\tT\t*\t.\t.\t.\n" +
        "chr3\t1\t.\tA\tC\t.\t.\t.\nchr1\t59\t.\tCG\tC\t.\t.\t.\n";

    private const string ValidCsv =
        "id,symbol,seqnames,strand,TSS,CAGE_representative_TSS,type\n" +
        "ENSG1,A1,chr1,+,100,101,protein_coding\nENSG2,\"B,2\",chr1,-,300,299,lincRNA\nENSG3,C3,chr2,+,50,50,protein_coding\n";

    private const string ValidBed = "chr1\t100\t101\t+\tENSG1\nchr1\t298\t299\t-\tENSG2\nchr2\t49\t50\t+\tENSG3\n";

    private const string ValidBed6 = "chr1\t90\t110\tENSG1\t0\t+\nchr2\t40\t60\tENSG3\t0\t-\n";

    private const string ValidClosest =
        "chr1\t4\t5\tA\tC\tchr1\t100\t101\t+\tENSG1\t96\nchr1\t9\t10\tAC\tA\tchr1\t298\t299\t-\tENSG2\t-289\n";

    private static IndexedFasta SmallGenome(TempDir dir, string name = "genome.fa")
    {
        string path = dir.File(name);
        FastaWriter.WritePlain(path, SmallRecords(), lineBases: 10);
        return IndexedFasta.Open(path);
    }

    private static FastaRecord[] SmallRecords() =>
    [
        new("chr1", Encoding.ASCII.GetBytes("ACGTACGTACAACCGGTTAACCGGTTacgtacgtNNACGTACGTACGTACGTACGTACGTGG")),
        new("chr2", Encoding.ASCII.GetBytes("GGGGTTTTCCCCAAAAG")),
    ];

    private static byte[] Gzip(string text)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest))
            gz.Write(Encoding.UTF8.GetBytes(text));
        return ms.ToArray();
    }

    private static Gen<byte[]> TextGen(string valid) =>
        Gen.Frequency((1, FuzzHarness.RandomBytes()), (4, FuzzHarness.Mutations(Encoding.UTF8.GetBytes(valid))));

    [Fact]
    public void Vcf_reader_parses_or_reports_bad_input()
    {
        using IndexedFasta genome = SmallGenome(_dir);
        string path = _dir.File("fuzz.vcf");
        FuzzHarness.Check(TextGen(ValidVcf), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            VcfReader.ReadAll(path, genome, out VariantReadSummary summary);
            Assert.Equal(summary.AllelesRead, summary.Yielded + summary.SkippedTotal);
            VcfReader.ReadAll(path, null, out _, new VcfReadOptions { RefMismatch = RefMismatchPolicy.Error, MaxIndelLength = 1 });
        });
    }

    [Fact]
    public void Gzip_vcf_reader_parses_or_reports_bad_input()
    {
        using IndexedFasta genome = SmallGenome(_dir);
        string path = _dir.File("fuzz.vcf.gz");
        FuzzHarness.Check(FuzzHarness.Mutations(Gzip(ValidVcf)), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            VcfReader.ReadAll(path, genome, out _);
        });
    }

    [Theory]
    [InlineData("genes.csv", ValidCsv)]
    [InlineData("genes.bed", ValidBed)]
    [InlineData("genes6.bed", ValidBed6)]
    public void Gene_annotation_loads_or_reports_bad_input(string name, string valid)
    {
        string path = _dir.File(name);
        FuzzHarness.Check(TextGen(valid), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            GeneAnnotation genes = GeneAnnotation.Load(path);
            foreach (Gene g in genes.Genes)
                Assert.True(g.Tss >= 1);
        });
    }

    [Fact]
    public void Closest_gene_file_reads_or_reports_bad_input()
    {
        string path = _dir.File("fuzz.closestgene");
        FuzzHarness.Check(TextGen(ValidClosest), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            _ = ClosestGeneFile.Read(path).ToList();
        });
    }

    [Fact]
    public void Model_list_loads_or_reports_bad_input()
    {
        // One real-size model (20,020 features) so that rows that still resolve load fully.
        var model = new XgbLinearModel(0.5f, 0.25f, Enumerable.Range(0, BelugaLayout.Canonical).Select(i => i * 1e-4f).ToArray());
        XgbLinearBinaryFormat.Write(_dir.File("m1.save"), model);
        XgbLinearJsonFormat.Write(_dir.File("m2.json"), model);
        string valid = "ModelName\tTissue\n./m1.save\tLiver\nm2.json\tLung\n\n";
        string path = _dir.File("modellist");
        FuzzHarness.Check(TextGen(valid), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            TissueModelSet set = TissueModelSet.Load(path, BelugaLayout.F, _dir.Path);
            Assert.True(set.Count > 0);
        }, iterations: 150);
    }

    [Fact]
    public void Xgboost_model_files_load_or_report_bad_input()
    {
        var model = new XgbLinearModel(2f, -0.5f, [0.1f, -0.2f, 0.3f, 1e-8f], "reg:linear", 3);
        byte[] withHeader = XgbLinearBinaryFormat.ToBytes(model, binfHeader: true);
        byte[] headerless = XgbLinearBinaryFormat.ToBytes(model, binfHeader: false);
        byte[] json = XgbLinearJsonFormat.ToBytes(model);
        string path = _dir.File("fuzz.model");
        var gen = Gen.Frequency(
            (1, FuzzHarness.RandomBytes()),
            (1, FuzzHarness.RandomBytesAfter("binf"u8.ToArray())),
            (3, FuzzHarness.Mutations(withHeader)),
            (2, FuzzHarness.HeadMutations(withHeader, 300)),
            (2, FuzzHarness.Mutations(headerless)),
            (3, FuzzHarness.Mutations(json)));
        FuzzHarness.Check(gen, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            XgbLinearModel m = XgbModelFile.Load(path);
            Assert.Equal(m.NumFeature, m.Weights.Length);
        }, iterations: 600);
    }

    [Fact]
    public void Fasta_with_fai_opens_and_fetches_or_reports_bad_input()
    {
        string fasta = _dir.File("valid.fa");
        FastaWriter.WritePlain(fasta, SmallRecords(), lineBases: 10);
        byte[] validFasta = File.ReadAllBytes(fasta), validFai = File.ReadAllBytes(fasta + ".fai");
        string path = _dir.File("fuzz.fa");
        // Which of the pair is mutated: 0 the FASTA (index kept), 1 the .fai, 2 the FASTA with no .fai (built).
        var gen = Gen.Int[0, 2].SelectMany(which => which switch
        {
            0 => FuzzHarness.Mutations(validFasta).Select(b => (which, fa: b, fai: (byte[]?)validFai)),
            1 => FuzzHarness.Mutations(validFai).Select(b => (which, fa: validFasta, fai: (byte[]?)b)),
            _ => Gen.Frequency((1, FuzzHarness.RandomBytes()), (4, FuzzHarness.Mutations(validFasta))).Select(b => (which, fa: b, fai: (byte[]?)null)),
        });
        FuzzHarness.Check(gen, c =>
        {
            File.WriteAllBytes(path, c.fa);
            if (c.fai is null)
                File.Delete(path + ".fai");
            else
                File.WriteAllBytes(path + ".fai", c.fai);
            using IndexedFasta genome = IndexedFasta.Open(path);
            FetchEverything(genome);
        }, print: c => $"case {c.which}: fasta {Convert.ToHexString(c.fa)}; fai {(c.fai is null ? "none" : Encoding.ASCII.GetString(c.fai))}");
    }

    [Fact]
    public void Bgzf_reader_reads_or_reports_bad_input()
    {
        // Three data blocks, then the EOF block: block boundaries are where corrupt lengths bite.
        byte[] content = Encoding.ASCII.GetBytes(">chr1\n" + string.Concat(Enumerable.Repeat("ACGTTGCAAC\n", 40)));
        var (bgzf, gzi) = BgzfBlocks(content, 150);
        string path = _dir.File("fuzz.gz");
        var gen = Gen.Int[0, 2].SelectMany(which => which switch
        {
            0 => FuzzHarness.Mutations(bgzf).Select(b => (which, gz: b, gzi: (byte[]?)gzi)),
            1 => FuzzHarness.Mutations(gzi).Select(b => (which, gz: bgzf, gzi: (byte[]?)b)),
            _ => Gen.Frequency((1, FuzzHarness.RandomBytesAfter([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, (byte)'B', (byte)'C', 2, 0])),
                    (4, FuzzHarness.Mutations(bgzf)), (2, FuzzHarness.HeadMutations(bgzf, 40)))
                .Select(b => (which, gz: b, gzi: (byte[]?)null)),
        });
        FuzzHarness.Check(gen, c =>
        {
            File.WriteAllBytes(path, c.gz);
            if (c.gzi is null)
                File.Delete(path + ".gzi");
            else
                File.WriteAllBytes(path + ".gzi", c.gzi);
            using var reader = new BgzfReader(path);
            var all = new byte[Math.Min(reader.Length, 1 << 20)];
            reader.ReadAt(0, all);
            reader.ReadAt(reader.Length / 2, all.AsSpan(0, (int)Math.Min(all.Length, 100)));
        }, print: c => $"case {c.which}: gz {Convert.ToHexString(c.gz)}; gzi {(c.gzi is null ? "none" : Convert.ToHexString(c.gzi))}");
    }

    [Fact]
    public void Bgzf_fasta_opens_and_fetches_or_reports_bad_input()
    {
        string fasta = _dir.File("valid.fa.gz");
        FastaWriter.WriteBgzf(fasta, SmallRecords(), lineBases: 10);
        byte[] gz = File.ReadAllBytes(fasta), fai = File.ReadAllBytes(fasta + ".fai"), gzi = File.ReadAllBytes(fasta + ".gzi");
        string path = _dir.File("fuzz.fa.gz");
        // 0: mutated FASTA, indexes kept; 1: mutated FASTA, no indexes (the .fai is built through a gzip stream).
        var gen = Gen.Int[0, 1].SelectMany(which => FuzzHarness.Mutations(gz).Select(b => (which, gz: b)));
        FuzzHarness.Check(gen, c =>
        {
            File.WriteAllBytes(path, c.gz);
            if (c.which == 0)
            {
                File.WriteAllBytes(path + ".fai", fai);
                File.WriteAllBytes(path + ".gzi", gzi);
            }
            else
            {
                File.Delete(path + ".fai");
                File.Delete(path + ".gzi");
            }
            using IndexedFasta genome = IndexedFasta.Open(path);
            FetchEverything(genome);
        }, print: c => $"case {c.which}: gz {Convert.ToHexString(c.gz)}");
    }

    private static void FetchEverything(IndexedFasta genome)
    {
        foreach (string contig in genome.ContigNames)
        {
            long length = genome.ContigLength(contig);
            string bases = genome.Fetch(contig, -3, (int)Math.Min(length + 6, 100_000));
            Assert.DoesNotContain(bases, ch => ch is '\n' or '\r' or '>');
        }
    }

    /// <summary>BGZF bytes of <paramref name="content"/> cut into blocks of <paramref name="blockBytes"/>, and its .gzi.</summary>
    private static (byte[] Bgzf, byte[] Gzi) BgzfBlocks(byte[] content, int blockBytes)
    {
        using var file = new MemoryStream();
        using var gziStream = new MemoryStream();
        using (var writer = new BgzfWriter(file, leaveOpen: true))
        {
            for (int i = 0; i < content.Length; i += blockBytes)
            {
                writer.Write(content.AsSpan(i, Math.Min(blockBytes, content.Length - i)));
                writer.FlushBlock();
            }
            writer.Finish();
            writer.WriteGzi(gziStream);
        }
        return (file.ToArray(), gziStream.ToArray());
    }
}
