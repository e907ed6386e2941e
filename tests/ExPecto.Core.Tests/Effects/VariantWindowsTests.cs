using System.Text;
using ExPecto.Core.Effects;

namespace ExPecto.Core.Tests.Effects;

public class VariantWindowsTests
{
    private static byte[] RandomSeq(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (byte)"ACGT"[rng.Next(4)]).ToArray();
    }

    // The rule written the way chromatin.py writes it (string slicing), as an independent reference.
    private static string PythonRule(string seq, int shift, string refA, string alt)
    {
        int mut = 2100 / 2 - 1 - shift;
        string s = seq[..mut] + alt + seq[(mut + refA.Length)..];
        int a = (int)Math.Floor((s.Length - 2000) / 2.0), b = (int)Math.Floor(s.Length - (s.Length - 2000) / 2.0);
        return s[a..b];
    }

    [Theory]
    [InlineData(0, "A", "G")]
    [InlineData(-800, "C", "T")]
    [InlineData(600, "G", "GTTA")]
    [InlineData(-200, "ACGTA", "A")]
    [InlineData(200, "AC", "GTTTTTTTTTTTTTTTT")]
    [InlineData(0, "A", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Splices_and_centre_crops_like_chromatin_py(int shift, string refA, string alt)
    {
        byte[] fetched = RandomSeq(2100, shift + 7);
        int mut = 1049 - shift;
        // place the REF in the genome so it matches
        for (int i = 0; i < refA.Length; i++) fetched[mut + i] = (byte)refA[i];
        var refW = new byte[2000];
        var altW = new byte[2000];
        bool matched = VariantWindows.Build(fetched, shift, refA, alt, refW, altW);
        string seq = Encoding.ASCII.GetString(fetched);
        Assert.True(matched);
        Assert.Equal(PythonRule(seq, shift, refA, refA), Encoding.ASCII.GetString(refW));
        Assert.Equal(PythonRule(seq, shift, refA, alt), Encoding.ASCII.GetString(altW));
    }

    [Fact]
    public void Snv_sits_at_index_999_minus_shift()
    {
        byte[] fetched = RandomSeq(2100, 3);
        foreach (int s in ExPecto.Core.Transforms.VariantShifts.All)
        {
            var refW = new byte[2000];
            var altW = new byte[2000];
            char refBase = (char)fetched[1049 - s];
            char alt = refBase == 'A' ? 'C' : 'A';
            VariantWindows.Build(fetched, s, refBase.ToString(), alt.ToString(), refW, altW);
            Assert.Equal((byte)alt, altW[999 - s]);
            Assert.Equal(1, refW.Zip(altW).Count(p => p.First != p.Second));
        }
    }

    [Fact]
    public void Reports_a_ref_mismatch_and_keeps_the_vcf_ref_in_the_ref_window()
    {
        byte[] fetched = RandomSeq(2100, 5);
        fetched[1049] = (byte)'A';
        var refW = new byte[2000];
        var altW = new byte[2000];
        Assert.False(VariantWindows.Build(fetched, 0, "C", "G", refW, altW));
        Assert.Equal((byte)'C', refW[999]);
    }

    [Fact]
    public void Refuses_indels_longer_than_100_bp()
    {
        Assert.Null(VariantWindows.Refusal("A", new string('A', 101)));
        Assert.Contains("101 bp", VariantWindows.Refusal("A", new string('A', 102)));
        Assert.Contains("indel", VariantWindows.Refusal(new string('C', 150), "C"));
    }
}
