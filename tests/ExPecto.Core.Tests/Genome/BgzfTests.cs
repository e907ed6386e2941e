using System.Buffers.Binary;
using System.IO.Compression;
using ExPecto.Core.Genome;

namespace ExPecto.Core.Tests.Genome;

public class BgzfTests
{
    private static readonly byte[] EofBlock = Convert.FromHexString("1f8b08040000000000ff0600424302001b0003000000000000000000");

    [Fact]
    public void Writer_output_is_plain_gzip_to_other_readers_with_bounded_blocks_and_an_eof_marker()
    {
        var rng = new Random(1);
        byte[] data = IndexedFastaTests.RandomBases(rng, 300_000);
        var ms = new MemoryStream();
        BgzfWriter writer;
        using (writer = new BgzfWriter(ms, leaveOpen: true))
        {
            writer.Write(data.AsSpan(0, 1000));
            writer.Write(data.AsSpan(1000));
        }
        byte[] file = ms.ToArray();

        using var gz = new GZipStream(new MemoryStream(file), CompressionMode.Decompress);
        var back = new MemoryStream();
        gz.CopyTo(back);
        Assert.Equal(data, back.ToArray());
        Assert.Equal(EofBlock, file[^28..]);

        // Walk the blocks by their BSIZE fields: each uncompressed ISIZE ≤ 0xff00, and the .gzi lists every start but the first.
        var starts = new List<(long, long)>();
        long comp = 0, uncomp = 0;
        while (comp < file.Length)
        {
            if (comp > 0)
                starts.Add((comp, uncomp));
            int bsize = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan((int)comp + 16)) + 1;
            int isize = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)comp + bsize - 4));
            Assert.InRange(isize, 0, 0xff00);
            comp += bsize;
            uncomp += isize;
        }
        Assert.Equal(file.Length, comp);
        Assert.Equal(starts, writer.BlockStarts);
        Assert.Equal((long)0xff00, writer.BlockStarts[0].Uncompressed);
    }

    [Fact]
    public void Bgzf_fasta_reads_the_same_with_and_without_its_gzi()
    {
        using var dir = new TempDir();
        var rng = new Random(2);
        byte[] a = IndexedFastaTests.RandomBases(rng, 150_000), b = IndexedFastaTests.RandomBases(rng, 1_000);
        string fa = dir.File("g.fa.gz");
        FastaWriter.WriteBgzf(fa, [new FastaRecord("1", a), new FastaRecord("2", b)]);
        Assert.True(File.Exists(fa + ".fai"));
        Assert.True(File.Exists(fa + ".gzi"));

        string withGzi, withoutGzi;
        using (var fasta = IndexedFasta.Open(fa))
        {
            Assert.True(fasta.IsBgzf);
            withGzi = fasta.Fetch("chr1", 65_000, 20_000) + fasta.Fetch("chr2", 990, 20);
        }
        File.Delete(fa + ".gzi");
        using (var fasta = IndexedFasta.Open(fa))
            withoutGzi = fasta.Fetch("chr1", 65_000, 20_000) + fasta.Fetch("chr2", 990, 20);

        Assert.Equal(IndexedFastaTests.Expected(a, 65_000, 20_000) + IndexedFastaTests.Expected(b, 990, 20), withGzi);
        Assert.Equal(withGzi, withoutGzi);
    }

    [Fact]
    public void Reads_a_gzi_without_the_eof_block_entry_as_bgzip_reindex_writes_it()
    {
        using var dir = new TempDir();
        byte[] seq = IndexedFastaTests.RandomBases(new Random(8), 140_000);
        string fa = dir.File("r.fa.gz");
        FastaWriter.WriteBgzf(fa, [new FastaRecord("1", seq)]);
        // `bgzip -r` (htslib 1.16) lists data blocks only; the compress-time index (as in hg19_chr20) adds the EOF block.
        byte[] gzi = File.ReadAllBytes(fa + ".gzi");
        long count = BinaryPrimitives.ReadInt64LittleEndian(gzi);
        BinaryPrimitives.WriteInt64LittleEndian(gzi, count - 1);
        File.WriteAllBytes(fa + ".gzi", gzi[..^16]);

        using var fasta = IndexedFasta.Open(fa);

        Assert.Equal(IndexedFastaTests.Expected(seq, 139_000, 2_000), fasta.Fetch("1", 139_000, 2_000));
    }

    [Fact]
    public void Missing_fai_of_a_bgzf_fasta_is_built_from_the_decompressed_bytes()
    {
        using var dir = new TempDir();
        string fa = dir.File("g.fa.gz");
        IReadOnlyList<FaiEntry> written = FastaWriter.WriteBgzf(fa, [new FastaRecord("chr5", IndexedFastaTests.RandomBases(new Random(3), 70_001))], lineBases: 50);
        File.Delete(fa + ".fai");

        using var fasta = IndexedFasta.Open(fa);

        Assert.Equal(written, FastaIndex.Read(fa + ".fai"));
    }

    [Fact]
    public void Truncated_block_is_an_input_error_naming_the_file_and_block_offset()
    {
        using var dir = new TempDir();
        string fa = dir.File("t.fa.gz");
        FastaWriter.WriteBgzf(fa, [new FastaRecord("1", IndexedFastaTests.RandomBases(new Random(4), 200_000))]);
        long secondBlock = ReadGziStarts(fa + ".gzi")[0];
        byte[] bytes = File.ReadAllBytes(fa);
        File.WriteAllBytes(fa, bytes[..(int)(secondBlock + 100)]);
        File.Delete(fa + ".gzi");

        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));

        Assert.Equal(fa, ex.FilePath);
        Assert.Contains($"compressed offset {secondBlock}", ex.Message);
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void Truncated_file_whose_gzi_lists_blocks_past_its_end_is_reported_as_truncated()
    {
        using var dir = new TempDir();
        string fa = dir.File("t.fa.gz");
        FastaWriter.WriteBgzf(fa, [new FastaRecord("1", IndexedFastaTests.RandomBases(new Random(5), 200_000))]);
        long secondBlock = ReadGziStarts(fa + ".gzi")[0];
        File.WriteAllBytes(fa, File.ReadAllBytes(fa)[..(int)(secondBlock + 100)]);

        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));

        Assert.Equal(fa, ex.FilePath);
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void Corrupt_block_data_is_an_input_error_naming_the_block_offset()
    {
        using var dir = new TempDir();
        string fa = dir.File("c.fa.gz");
        FastaWriter.WriteBgzf(fa, [new FastaRecord("1", IndexedFastaTests.RandomBases(new Random(6), 200_000))]);
        long[] starts = ReadGziStarts(fa + ".gzi");
        byte[] bytes = File.ReadAllBytes(fa);
        for (long i = starts[0] + 200; i < starts[0] + 260; i++)
            bytes[i] ^= 0x5a;
        File.WriteAllBytes(fa, bytes);

        using var fasta = IndexedFasta.Open(fa);
        var ex = Assert.Throws<InputException>(() => fasta.Fetch("1", 0, 200_000));

        Assert.Equal(fa, ex.FilePath);
        Assert.Contains($"BGZF block at compressed offset {starts[0]}", ex.Message);
    }

    [Fact]
    public void Plain_gzip_fasta_is_refused_with_advice_to_use_bgzip()
    {
        using var dir = new TempDir();
        string fa = dir.File("p.fa.gz");
        using (var gz = new GZipStream(File.Create(fa), CompressionLevel.Fastest))
            gz.Write(">1\nACGT\n"u8);

        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));

        Assert.Contains("not BGZF", ex.Message);
        Assert.Contains("bgzip", ex.Message);
    }

    private static long[] ReadGziStarts(string gzi)
    {
        byte[] b = File.ReadAllBytes(gzi);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(b);
        return Enumerable.Range(0, n).Select(i => (long)BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(8 + 16 * i))).ToArray();
    }
}
