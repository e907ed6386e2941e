using ExPecto.Core.Chromatin;
using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>
/// Reference activations of every conv/pool layer over a whole region and its reverse complement, for all 16 pooling
/// phases, computed as one batch of two strands. The trunk is translation-equivariant with total stride 16, so the
/// window starting at w = φ + 16m (φ = w mod 16) sees exactly conv6 columns m..m+105 of phase φ. Phases nest: conv1–2
/// run once at full resolution, pool 1 at phase p1 = φ mod 4 feeds conv3–4, and pool 2 at phase q = φ / 4 feeds
/// conv5–6. Every level is one [C, N] tensor holding both strands and all its phases side by side; a (strand, phase)
/// block starts at column <see cref="Level.Offset"/>, so one index_select serves a batch of mutations whose windows
/// sit on either strand at any phase.
/// Column conventions (all 0-based, per strand): A1[j] ← X[j..j+7]; A2[j] ← A1[j..j+7]; P1_p1[k] = max A2[p1+4k ..
/// p1+4k+3]; A3[k] ← P1[k..k+7]; A4[k] ← A3[k..k+7]; P2_φ[k] = max A4_p1[q+4k .. q+4k+3]; A5 and A6 likewise.
/// </summary>
internal sealed class RegionTrunk : IDisposable
{
    public const int Phases = 16;
    public const int SubPhases = 4;
    public const int Strands = 2;

    private readonly List<Tensor> _owned = [];

    /// <summary>A level's activations [C, Σ widths] and where each (strand, phase) block starts.</summary>
    public sealed record Level(Tensor Values, long[] Offsets, int PhaseCount)
    {
        public long Offset(int strand, int phase) => Offsets[strand * PhaseCount + phase];
    }

    /// <summary>
    /// Builds the trunk for the two strands (ASCII bases, equal length). Call inside inference mode.
    /// <paramref name="phases"/>: null for all 16 phases of both strands (one batch of two strands), else which
    /// (strand · 16 + phase) blocks are needed: each strand then runs alone, pool 1 and conv3–4 only at the sub-phases
    /// those phases use and pool 2 and conv5–6 only at those phases; the blocks not computed are empty (width 0).
    /// A lone SNV's 9 windows use 2 phases per strand (200 bp shifts alternate φ and φ + 8), so its trunk costs
    /// ≈ 4× less than the full one.
    /// </summary>
    public RegionTrunk(IsmNetwork net, byte[] forward, byte[] reverse, bool[]? phases = null)
    {
        using var scope = torch.NewDisposeScope();
        int length = forward.Length;
        if (reverse.Length != length) throw new ArgumentException("strands differ in length", nameof(reverse));
        if (phases is not null && phases.Length != Strands * Phases) throw new ArgumentException($"expected {Strands * Phases} phase flags", nameof(phases));
        Computed = phases;
        var oneHot = new float[Strands * OneHot.Channels * length];
        OneHot.Encode(forward, oneHot.AsSpan(0, OneHot.Channels * length));
        OneHot.Encode(reverse, oneHot.AsSpan(OneHot.Channels * length));
        Tensor x = torch.tensor(oneHot, [Strands, OneHot.Channels, length]).to(net.Device);

        // Blocks [C, w] per (strand, phase), filled level by level.
        Tensor[] a1 = new Tensor[Strands], a2 = new Tensor[Strands];
        var p1 = new Tensor[Strands, SubPhases];
        var a3 = new Tensor[Strands, SubPhases];
        var a4 = new Tensor[Strands, SubPhases];
        var p2 = new Tensor[Strands, Phases];
        var a5 = new Tensor[Strands, Phases];
        var a6 = new Tensor[Strands, Phases];
        // Strand groups that run as one batch: both strands at every phase, or each strand alone at its own phases.
        (int First, int Count)[] groups = phases is null ? [(0, Strands)] : [(0, 1), (1, 1)];
        foreach ((int first, int count) in groups)
        {
            bool Needed(int phase) => phases is null || phases[first * Phases + phase];
            Tensor b1 = net.Conv(0, x.narrow(0, first, count));
            Tensor b2 = net.Conv(1, b1);
            for (int i = 0; i < count; i++) (a1[first + i], a2[first + i]) = (b1[i], b2[i]);
            for (int sub = 0; sub < SubPhases; sub++)
            {
                if (!Enumerable.Range(0, SubPhases).Any(q => Needed(sub + SubPhases * q))) continue;
                Tensor q1 = IsmNetwork.MaxPool(b2.narrow(2, sub, b2.shape[2] - sub));
                Tensor b3 = net.Conv(2, q1);
                Tensor b4 = net.Conv(3, b3);
                for (int i = 0; i < count; i++) (p1[first + i, sub], a3[first + i, sub], a4[first + i, sub]) = (q1[i], b3[i], b4[i]);
                for (int q = 0; q < SubPhases; q++)
                {
                    int phase = sub + SubPhases * q;
                    if (!Needed(phase)) continue;
                    Tensor q2 = IsmNetwork.MaxPool(b4.narrow(2, q, b4.shape[2] - q));
                    Tensor b5 = net.Conv(4, q2);
                    Tensor b6 = net.Conv(5, b5);
                    for (int i = 0; i < count; i++) (p2[first + i, phase], a5[first + i, phase], a6[first + i, phase]) = (q2[i], b5[i], b6[i]);
                }
            }
        }

        X = Keep(Column([x[0], x[1]]));
        A1 = Keep(Column(a1));
        A2 = Keep(Column(a2));
        P1 = Keep(p1);
        A3 = Keep(a3);
        A4 = Keep(a4);
        P2 = Keep(p2);
        A5 = Keep(a5);
        Level a6Level = Join(a6);
        A6Offsets = a6Level;
        // Rows = columns: a window's 106 columns (and a span's) become one contiguous block.
        A6Rows = Own(a6Level.Values.t());
    }

    /// <summary>The (strand · 16 + phase) blocks computed; null: all.</summary>
    public bool[]? Computed { get; }

    /// <summary>Whether block (strand, phase) was computed.</summary>
    public bool Has(int strand, int phase) => Computed is null || Computed[strand * Phases + phase];

    /// <summary>One-hot strands [4, 2L].</summary>
    public Level X { get; }
    public Level A1 { get; }
    public Level A2 { get; }
    public Level P1 { get; }
    public Level A3 { get; }
    public Level A4 { get; }
    public Level P2 { get; }
    public Level A5 { get; }
    /// <summary>Conv6 block offsets (as columns of the untransposed level; rows of <see cref="A6Rows"/>).</summary>
    public Level A6Offsets { get; }
    /// <summary>Conv6 output transposed, [Σ widths, C6].</summary>
    public Tensor A6Rows { get; }

    public void Dispose()
    {
        foreach (Tensor t in _owned) t.Dispose();
    }

    private Level Keep(Tensor?[,] blocks)
    {
        Level level = Join(blocks);
        return level with { Values = Own(level.Values) };
    }

    private Tensor Own(Tensor t)
    {
        Tensor kept = t.contiguous().DetachFromDisposeScope();
        _owned.Add(kept);
        return kept;
    }

    /// <summary>One block per strand (a level without phases).</summary>
    private static Tensor?[,] Column(Tensor[] perStrand)
    {
        var blocks = new Tensor?[Strands, 1];
        for (int s = 0; s < Strands; s++) blocks[s, 0] = perStrand[s];
        return blocks;
    }

    /// <summary>
    /// Blocks [C, w] per (strand, phase) → [C, Σ w], strand-major, and each block's first column; a block not
    /// computed (null) has width 0.
    /// </summary>
    private static Level Join(Tensor?[,] blocks)
    {
        int phases = blocks.GetLength(1);
        var offsets = new long[Strands * phases];
        var parts = new List<Tensor>();
        long total = 0;
        for (int s = 0; s < Strands; s++)
        {
            for (int i = 0; i < phases; i++)
            {
                offsets[s * phases + i] = total;
                if (blocks[s, i] is not { } b) continue;
                parts.Add(b);
                total += b.shape[1];
            }
        }
        return new Level(torch.cat(parts, 1), offsets, phases);
    }
}
