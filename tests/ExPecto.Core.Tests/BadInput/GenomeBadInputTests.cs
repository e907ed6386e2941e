using System.Buffers.Binary;
using System.Text;
using ExPecto.Core.Genome;

namespace ExPecto.Core.Tests.BadInput;

/// <summary>Bad FASTA, .fai, BGZF and .gzi inputs not covered by IndexedFastaTests/BgzfTests (see docs/bad-input.md).</summary>
public sealed class GenomeBadInputTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string Fasta = ">chr1\nACGTACGTAC\nACGTACGTAC\nACG\n>chr2\nGGGGCCCC\n";

    [Fact]
    public void Missing_fasta_is_an_input_error_naming_it()
    {
        string fa = _dir.File("absent.fa");
        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Equal(fa, ex.FilePath);
        Assert.Contains("not found", ex.Message);
    }

    [Fact]
    public void Fai_line_with_non_numeric_columns_names_the_fai_and_line()
    {
        string fa = _dir.Write("g.fa", Fasta);
        File.WriteAllText(fa + ".fai", "chr1\t23\t6\t10\t11\nchr2\teight\t37\t8\t9\n");
        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Equal(fa + ".fai", ex.FilePath);
        Assert.Equal(2, ex.Line);
        Assert.Contains("non-negative integers", ex.Message);
    }

    [Fact]
    public void Fai_line_with_too_few_columns_names_the_fai_and_line()
    {
        string fa = _dir.Write("g.fa", Fasta);
        File.WriteAllText(fa + ".fai", "chr1\t23\t6\n");
        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Equal(fa + ".fai", ex.FilePath);
        Assert.Equal(1, ex.Line);
        Assert.Contains("expected 5 tab-separated", ex.Message);
    }

    [Fact]
    public void Fai_with_a_huge_contig_length_is_a_mismatch_not_an_overflow()
    {
        // A length near long.MaxValue made the end offset wrap negative and pass the "past the end" check.
        string fa = _dir.Write("g.fa", Fasta);
        File.WriteAllText(fa + ".fai", $"chr1\t{long.MaxValue - 5}\t6\t10\t11\n");
        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Equal(fa + ".fai", ex.FilePath);
        Assert.Contains("does not match its FASTA", ex.Message);
        Assert.Contains("chr1", ex.Message);
    }

    [Fact]
    public void Fai_listing_a_contig_twice_names_both_lines()
    {
        string fa = _dir.Write("g.fa", Fasta);
        File.WriteAllText(fa + ".fai", "chr1\t23\t6\t10\t11\nchr1\t23\t6\t10\t11\n");
        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Equal(2, ex.Line);
        Assert.Contains("first on line 1", ex.Message);
    }

    [Fact]
    public void Fasta_record_named_twice_names_both_lines()
    {
        string fa = _dir.Write("g.fa", ">chr1\nACGT\n>chr1\nACGT\n");
        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Equal(fa, ex.FilePath);
        Assert.Equal(3, ex.Line);
        Assert.Contains("first on line 1", ex.Message);
    }

    [Fact]
    public void Non_ascii_byte_in_a_sequence_line_is_refused_not_returned_as_garbage()
    {
        // Ascii.ToUpper stops at such a byte; the rest of the window used to be whatever the pooled buffer held.
        string fa = _dir.File("g.fa");
        byte[] bytes = Encoding.ASCII.GetBytes(Fasta);
        bytes[Fasta.IndexOf("ACGTACGTAC\nACG", StringComparison.Ordinal) + 12] = 0xC1;
        File.WriteAllBytes(fa, bytes);
        using var genome = IndexedFasta.Open(fa);
        var ex = Assert.Throws<InputException>(() => genome.Fetch("chr1", 0, 23));
        Assert.Equal(fa, ex.FilePath);
        Assert.Contains("0xC1", ex.Message);
        Assert.Contains("chr1", ex.Message);
        Assert.Contains("expected an ASCII base letter", ex.Message);
    }

    [Fact]
    public void Fasta_starting_with_a_bom_is_refused_on_line_1()
    {
        // samtools does not skip a BOM either; the header line would not start with '>'.
        string fa = _dir.File("bom.fa");
        File.WriteAllBytes(fa, [0xEF, 0xBB, 0xBF, .. Encoding.ASCII.GetBytes(Fasta)]);
        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Equal(fa, ex.FilePath);
        Assert.Equal(1, ex.Line);
        Assert.Contains("expected a FASTA header line starting with '>'", ex.Message);
    }

    [Fact]
    public void Gzi_whose_entry_count_wraps_around_is_refused_as_corrupt()
    {
        string fa = _dir.File("g.fa.gz");
        FastaWriter.WriteBgzf(fa, [new FastaRecord("chr1", Encoding.ASCII.GetBytes("ACGTACGTAC"))]);
        // count · 16 wraps to 16: with one 16-byte entry the old size check matched and a huge list was allocated.
        byte[] gzi = new byte[8 + 16];
        BinaryPrimitives.WriteUInt64LittleEndian(gzi, (1UL << 60) + 1);
        File.WriteAllBytes(fa + ".gzi", gzi);
        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Equal(fa + ".gzi", ex.FilePath);
        Assert.Contains("entries", ex.Message);
    }

    [Fact]
    public void Gzi_uncompressed_offset_that_disagrees_with_the_block_is_refused()
    {
        string fa = _dir.File("g.fa.gz");
        var content = Encoding.ASCII.GetBytes(">chr1\n" + string.Concat(Enumerable.Repeat("ACGTACGTAC\n", 20)));
        using (var file = File.Create(fa))
        using (var writer = new BgzfWriter(file))
        {
            writer.Write(content.AsSpan(0, 100));
            writer.FlushBlock();
            writer.Write(content.AsSpan(100));
            writer.Finish();
            // The second block is said to start at uncompressed 2^32 + 100: the span's low 32 bits match its size.
            using var gzi = new MemoryStream();
            writer.WriteGzi(gzi);
            // Keep only the first entry (later blocks are found by walking the headers), then corrupt it. With the
            // old int arithmetic the span matched the block's 100 bytes and ReadAt looped for ever.
            byte[] bytes = gzi.ToArray()[..24];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), (1UL << 32) + 100);
            File.WriteAllBytes(fa + ".gzi", bytes);
        }
        File.Delete(fa + ".fai");
        var ex = Assert.Throws<InputException>(() =>
        {
            using var reader = new BgzfReader(fa);
            reader.ReadAt(0, new byte[200]);
        });
        Assert.Equal(fa, ex.FilePath);
        Assert.Contains("the index does not match the file", ex.Message);
    }

    [Fact]
    public void Bgzf_block_whose_size_field_is_too_small_is_refused_with_its_offset()
    {
        string fa = _dir.File("g.fa.gz");
        FastaWriter.WriteBgzf(fa, [new FastaRecord("chr1", Encoding.ASCII.GetBytes("ACGTACGTAC"))]);
        byte[] bytes = File.ReadAllBytes(fa);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(16), 0); // BSIZE − 1 = 0: a 1-byte block
        File.WriteAllBytes(fa, bytes);
        File.Delete(fa + ".gzi");
        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Equal(fa, ex.FilePath);
        Assert.Contains("BGZF block at compressed offset 0", ex.Message);
        Assert.Contains("too short", ex.Message);
    }

    [Fact]
    public void Bgzf_fasta_with_corrupt_deflate_data_and_no_fai_is_an_input_error()
    {
        // Building the .fai inflates through a gzip stream, whose InvalidDataException used to escape.
        string fa = _dir.File("g.fa.gz");
        FastaWriter.WriteBgzf(fa, [new FastaRecord("chr1", Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("ACGTTGCA", 50))))]);
        byte[] bytes = File.ReadAllBytes(fa);
        bytes[20] ^= 0xFF; // inside the first block's deflate data
        File.WriteAllBytes(fa, bytes);
        File.Delete(fa + ".fai");
        File.Delete(fa + ".gzi");
        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Equal(fa, ex.FilePath);
        Assert.Contains("corrupt", ex.Message);
    }
}
