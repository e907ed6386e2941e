using System.Text;
using ExPecto.Core.Genome;

namespace ExPecto.Core.Tests.Genome;

public class IndexedFastaTests
{
    // Written by hand (not by FastaWriter), so the .fai builder is checked against a layout worked out here.
    private const string SmallFasta =
        ">chr1 first contig\nACGTACGTAC\nGTacgtNNAC\nGTA\n" +
        ">chrM\nAAAACCCCGG\nTT\n" +
        ">chrX\nacgtn\n";

    private static readonly string[] ExpectedFai =
    [
        "chr1\t23\t19\t10\t11",
        "chrM\t12\t51\t10\t11",
        "chrX\t5\t71\t5\t6",
    ];

    [Fact]
    public void Builds_a_missing_fai_next_to_the_fasta_as_samtools_would()
    {
        using var dir = new TempDir();
        string fa = dir.Write("small.fa", SmallFasta);

        using var fasta = IndexedFasta.Open(fa);

        Assert.Equal(ExpectedFai, File.ReadAllLines(fa + ".fai"));
        Assert.Equal(["chr1", "chrM", "chrX"], fasta.ContigNames);
        Assert.Equal(23, fasta.ContigLength("chr1"));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void Returns_soft_masked_bases_in_upper_case_across_line_breaks()
    {
        using var dir = new TempDir();
        using var fasta = IndexedFasta.Open(dir.Write("small.fa", SmallFasta));

        Assert.Equal("ACGTACGTACGTACGTNNACGTA", fasta.Fetch("chr1", 0, 23));
        Assert.Equal("ACGTACGTNN", fasta.Fetch("chr1", 8, 10));
        Assert.Equal("ACGTN", fasta.Fetch("chrX", 0, 5));
    }

    [Fact]
    public void Pads_windows_that_run_past_either_contig_end_with_N()
    {
        using var dir = new TempDir();
        using var fasta = IndexedFasta.Open(dir.Write("small.fa", SmallFasta));

        Assert.Equal("NNNAAAA", fasta.Fetch("chrM", -3, 7));
        Assert.Equal("GGTTNNN", fasta.Fetch("chrM", 8, 7));
        Assert.Equal("NNAAAACCCCGGTTNN", fasta.Fetch("chrM", -2, 16));
        Assert.Equal("NNNN", fasta.Fetch("chrM", 100, 4));
        Assert.Equal("NNNN", fasta.Fetch("chrM", -10, 4));
        Assert.Equal("", fasta.Fetch("chrM", 3, 0));
    }

    [Theory]
    [InlineData("1", "chr1")]
    [InlineData("chr1", "chr1")]
    [InlineData("MT", "chrM")]
    [InlineData("M", "chrM")]
    [InlineData("X", "chrX")]
    public void Resolves_chr_prefix_and_mitochondrion_aliases(string asked, string expected)
    {
        using var dir = new TempDir();
        using var fasta = IndexedFasta.Open(dir.Write("small.fa", SmallFasta));

        Assert.True(fasta.TryResolveContig(asked, out string canonical));
        Assert.Equal(expected, canonical);
        Assert.Equal(fasta.Fetch(expected, 0, 5), fasta.Fetch(asked, 0, 5));
    }

    [Fact]
    public void Unknown_contig_is_an_input_error_naming_it_and_the_known_ones()
    {
        using var dir = new TempDir();
        using var fasta = IndexedFasta.Open(dir.Write("small.fa", SmallFasta));

        Assert.False(fasta.TryResolveContig("chr7", out _));
        var ex = Assert.Throws<InputException>(() => fasta.Fetch("chr7", 0, 10));
        Assert.Contains("'chr7'", ex.Message);
        Assert.Contains("chr1, chrM, chrX", ex.Message);
    }

    [Fact]
    public void Reads_crlf_fasta_and_builds_its_fai_with_two_byte_terminators()
    {
        using var dir = new TempDir();
        string fa = dir.Write("crlf.fa", SmallFasta.Replace("\n", "\r\n"));

        using var fasta = IndexedFasta.Open(fa);

        Assert.Equal("chr1\t23\t20\t10\t12", File.ReadAllLines(fa + ".fai")[0]);
        Assert.Equal("ACGTACGTACGTACGTNNACGTA", fasta.Fetch("chr1", 0, 23));
        Assert.Equal("TT", fasta.Fetch("chrM", 10, 2));
    }

    [Fact]
    public void Keeps_the_built_index_in_memory_when_it_cannot_be_written()
    {
        using var dir = new TempDir();
        string fa = dir.Write("small.fa", SmallFasta);
        // A folder where the .fai should go makes the rename fail as a read-only folder would (tests run as root,
        // so file permissions would not stop the write).
        Directory.CreateDirectory(fa + ".fai");

        using var fasta = IndexedFasta.Open(fa);

        Assert.Equal("GGTT", fasta.Fetch("chrM", 8, 4));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void Fai_with_the_wrong_line_length_is_refused_clearly()
    {
        using var dir = new TempDir();
        string fa = dir.Write("small.fa", SmallFasta);
        File.WriteAllText(fa + ".fai", string.Join("\n", ExpectedFai).Replace("chr1\t23\t19\t10\t11", "chr1\t23\t19\t12\t13") + "\n");

        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Contains("does not match", ex.Message);
        Assert.Contains("chr1", ex.Message);
        Assert.Equal(fa + ".fai", ex.FilePath);
    }

    [Fact]
    public void Fai_with_an_offset_past_the_end_of_the_fasta_is_refused_clearly()
    {
        using var dir = new TempDir();
        string fa = dir.Write("small.fa", SmallFasta);
        File.WriteAllText(fa + ".fai", "chr1\t23\t19\t10\t11\nchrX\t5\t5000\t5\t6\n");

        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Contains("past the end of the FASTA", ex.Message);
        Assert.Contains("chrX", ex.Message);
    }

    [Fact]
    public void Fasta_whose_inner_line_is_short_is_refused_with_its_line_number()
    {
        using var dir = new TempDir();
        string fa = dir.Write("ragged.fa", ">c\nACGT\nAC\nACGT\n");

        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Equal(4, ex.Line);
    }

    [Fact]
    public void Empty_fasta_is_an_input_error()
    {
        using var dir = new TempDir();
        string fa = dir.Write("empty.fa", "");

        var ex = Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
        Assert.Contains("empty", ex.Message);
    }

    [Fact]
    public void Fasta_without_records_is_an_input_error()
    {
        using var dir = new TempDir();
        string fa = dir.Write("noheader.fa", "ACGT\n");

        Assert.Throws<InputException>(() => IndexedFasta.Open(fa));
    }

    [Fact]
    public void Concurrent_fetches_return_the_same_bases_as_sequential_ones()
    {
        using var dir = new TempDir();
        var rng = new Random(7);
        byte[] seq = RandomBases(rng, 400_000);
        string fa = dir.File("big.fa.gz");
        FastaWriter.WriteBgzf(fa, [new FastaRecord("chr2", seq)], lineBases: 70);
        using var fasta = IndexedFasta.Open(fa);
        var windows = Enumerable.Range(0, 200).Select(_ => (Start: (long)rng.Next(-100, 400_000), Length: rng.Next(0, 50_000))).ToArray();
        string[] sequential = windows.Select(w => fasta.Fetch("chr2", w.Start, w.Length)).ToArray();

        var parallel = new string[windows.Length];
        Parallel.For(0, windows.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            i => parallel[i] = fasta.Fetch("2", windows[i].Start, windows[i].Length));

        Assert.Equal(sequential, parallel);
        for (int i = 0; i < windows.Length; i++)
            Assert.Equal(Expected(seq, windows[i].Start, windows[i].Length), sequential[i]);
    }

    internal static byte[] RandomBases(Random rng, int n)
    {
        const string alphabet = "ACGTacgtN";
        var b = new byte[n];
        for (int i = 0; i < n; i++)
            b[i] = (byte)alphabet[rng.Next(alphabet.Length)];
        return b;
    }

    internal static string Expected(byte[] seq, long start0, int length)
    {
        var sb = new StringBuilder(length);
        for (long p = start0; p < start0 + length; p++)
            sb.Append(p < 0 || p >= seq.Length ? 'N' : char.ToUpperInvariant((char)seq[p]));
        return sb.ToString();
    }
}
