using System.IO.Compression;
using System.Security.Cryptography;
using ExPecto.Core.Genome;
using ExPecto.Testing;

namespace ExPecto.Core.Tests.Genome;

/// <summary>The real BGZF genome in ../shared/data/hg19_chr20 (samtools-made .fai + .gzi, read-only folder).</summary>
public class Hg19Chr20Tests
{
    private static string GenomePath() => Path.Combine(TestPaths.RequireSharedData("hg19_chr20"), "hg19_chr20.fa.gz");

    [Fact]
    public void Opens_with_samtools_named_indexes_and_resolves_chr20_to_20()
    {
        using var fasta = IndexedFasta.Open(GenomePath());

        Assert.True(fasta.IsBgzf);
        Assert.Equal(["20"], fasta.ContigNames);
        Assert.Equal(63_025_520, fasta.ContigLength("chr20"));
        Assert.True(fasta.TryResolveContig("chr20", out string canonical));
        Assert.Equal("20", canonical);
    }

    [Fact]
    public void Returns_the_bases_samtools_faidx_returns()
    {
        using var fasta = IndexedFasta.Open(GenomePath());

        // `samtools faidx hg19_chr20.fa.gz 20:49575060-49575120` (samtools 1.16.1): 1-based closed → 0-based start 49575059.
        Assert.Equal("TGGCGGAACTGAGCCAGATGCCGGAAGCGGAATTACGTAATGTGGCGCGGAAAAGGACGGG", fasta.Fetch("chr20", 49_575_059, 61));
        Assert.Equal("GATCCAGAGGTGGAAGAGGAAGGAAGCTTG", fasta.Fetch("20", 60_000, 30));
        Assert.Equal("NNNNNNNNNNNNNNN", fasta.Fetch("20", 63_025_510, 15));
    }

    [Fact]
    public void Whole_sequence_has_the_md5_of_grch37_chromosome_20()
    {
        using var fasta = IndexedFasta.Open(GenomePath());
        long length = fasta.ContigLength("20");
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        byte[] chunk = new byte[1 << 20];

        for (long p = 0; p < length; p += chunk.Length)
        {
            int n = (int)Math.Min(chunk.Length, length - p);
            fasta.Fetch("20", p, chunk.AsSpan(0, n));
            md5.AppendData(chunk, 0, n);
        }

        // The M5 of GRCh37 chr20 in the b37 sequence dictionary (PROVENANCE.md).
        Assert.Equal("0dec9660ec1efaaf33281c0d5ea2560f", Convert.ToHexStringLower(md5.GetHashAndReset()));
    }

    [Fact]
    public void Random_windows_match_a_whole_file_gzip_decompression()
    {
        string path = GenomePath();
        byte[] seq = DecompressSequence(path);
        using var fasta = IndexedFasta.Open(path);
        var rng = new Random(20);

        for (int i = 0; i < 60; i++)
        {
            long start = rng.NextInt64(-1_000, seq.Length);
            int length = rng.Next(1, 60_000);
            Assert.Equal(IndexedFastaTests.Expected(seq, start, length), fasta.Fetch("chr20", start, length));
        }
        Assert.Equal(IndexedFastaTests.Expected(seq, seq.Length - 500, 1_000), fasta.Fetch("20", seq.Length - 500, 1_000));
    }

    /// <summary>The bases of the single record, by an independent path: GZipStream over the whole file, newlines dropped.</summary>
    private static byte[] DecompressSequence(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        var all = new MemoryStream();
        gz.CopyTo(all);
        ReadOnlySpan<byte> text = all.GetBuffer().AsSpan(0, (int)all.Length);
        text = text[(text.IndexOf((byte)'\n') + 1)..];
        var seq = new byte[text.Length];
        int n = 0;
        while (!text.IsEmpty)
        {
            int nl = text.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = nl < 0 ? text : text[..nl];
            line.CopyTo(seq.AsSpan(n));
            n += line.Length;
            text = nl < 0 ? [] : text[(nl + 1)..];
        }
        return seq[..n];
    }
}
