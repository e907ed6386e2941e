using ExPecto.Core.Mutagenesis;
using ExPecto.Core.Transforms;

namespace ExPecto.Core.Tests.Mutagenesis;

public sealed class MutationEnumeratorTests
{
    [Fact]
    public void Region_is_the_union_of_every_shifted_window_of_every_mutated_position()
    {
        foreach ((long tss, int radius) in new[] { (50_000L, 1000), (10_000L, 3), (5_000L, 0) })
        {
            long lo = long.MaxValue, hi = long.MinValue;
            for (long pos = tss - radius; pos <= tss + radius; pos++)
            {
                foreach (int s in VariantShifts.All)
                {
                    // Window for shift s: 2,000 bp with the variant at index 999 − s.
                    long start0 = pos - 1 - (VariantShifts.CentreIndex - s);
                    lo = Math.Min(lo, start0);
                    hi = Math.Max(hi, start0 + 2000);
                }
            }
            var region = MutagenesisRegion.For(tss, radius);
            Assert.Equal(lo, region.Start0);
            Assert.Equal(hi, region.End0);
        }
        Assert.Equal(new MutagenesisRegion(50_000 - 2800, 5600), MutagenesisRegion.For(50_000, 1000));
    }

    [Fact]
    public void Every_position_yields_its_three_other_bases_in_ACGT_order()
    {
        var genome = new SyntheticGenome("chrT", 20_000, seed: 1);
        const long tss = 10_000;
        const int radius = 25;
        var area = MutagenesisRegion.For(tss, radius);
        byte[] region = genome.Bases.AsSpan((int)area.Start0, area.Length).ToArray();

        var mutations = MutationEnumerator.Enumerate(region, area.Start0, tss, radius, out int skipped);

        Assert.Equal(0, skipped);
        Assert.Equal(3 * (2 * radius + 1), mutations.Count);
        Assert.Equal(mutations.Count, MutationEnumerator.Count(region, area.Start0, tss, radius));
        for (int i = 0; i < mutations.Count; i++)
        {
            SaturationMutation m = mutations[i];
            long expectedPos = tss - radius + i / 3;
            Assert.Equal(expectedPos, m.Position);
            Assert.Equal(genome.Bases[expectedPos - 1], m.Ref);
            Assert.Equal(genome.Bases[expectedPos - 1], region[m.Offset]);
            byte[] alts = "ACGT"u8.ToArray().Where(b => b != m.Ref).ToArray();
            Assert.Equal(alts[i % 3], m.Alt);
        }
    }

    [Fact]
    public void N_positions_are_skipped_and_counted_and_soft_masked_bases_are_upper_cased()
    {
        var genome = new SyntheticGenome("chrT", 20_000, seed: 2);
        const long tss = 10_000;
        const int radius = 10;
        genome.Bases[tss - 1 - 3] = (byte)'N';
        genome.Bases[tss - 1 + 5] = (byte)'n';
        genome.Bases[tss - 1 + 6] = (byte)'R';
        genome.Bases[tss - 1] = (byte)'g';
        var area = MutagenesisRegion.For(tss, radius);
        byte[] region = genome.Bases.AsSpan((int)area.Start0, area.Length).ToArray();

        var mutations = MutationEnumerator.Enumerate(region, area.Start0, tss, radius, out int skipped);

        Assert.Equal(3, skipped);
        Assert.Equal(3 * (2 * radius + 1 - 3), mutations.Count);
        Assert.DoesNotContain(mutations, m => m.Position is tss - 3 or tss + 5 or tss + 6);
        Assert.Equal(new byte[] { (byte)'A', (byte)'C', (byte)'T' }, mutations.Where(m => m.Position == tss).Select(m => m.Alt));
        Assert.All(mutations.Where(m => m.Position == tss), m => Assert.Equal((byte)'G', m.Ref));
    }

    [Fact]
    public void A_region_that_misses_a_flank_is_refused()
    {
        var area = MutagenesisRegion.For(10_000, 5);
        byte[] shortRegion = new byte[area.Length - 1];
        Array.Fill(shortRegion, (byte)'A');
        Assert.Throws<ArgumentException>(() => MutationEnumerator.Enumerate(shortRegion, area.Start0, 10_000, 5, out _));
        Assert.Throws<ArgumentException>(() => MutationEnumerator.Enumerate(shortRegion, area.Start0 + 1, 10_000, 5, out _));
    }
}
