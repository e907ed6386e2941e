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

    /// <summary>Builds the trunk for the two strands (ASCII bases, equal length). Call inside inference mode.</summary>
    public RegionTrunk(IsmNetwork net, byte[] forward, byte[] reverse)
    {
        using var scope = torch.NewDisposeScope();
        int length = forward.Length;
        if (reverse.Length != length) throw new ArgumentException("strands differ in length", nameof(reverse));
        var oneHot = new float[Strands * OneHot.Channels * length];
        OneHot.Encode(forward, oneHot.AsSpan(0, OneHot.Channels * length));
        OneHot.Encode(reverse, oneHot.AsSpan(OneHot.Channels * length));
        Tensor x = torch.tensor(oneHot, [Strands, OneHot.Channels, length]).to(net.Device);
        Tensor a1 = net.Conv(0, x);
        Tensor a2 = net.Conv(1, a1);

        var p1 = new Tensor[SubPhases];
        var a3 = new Tensor[SubPhases];
        var a4 = new Tensor[SubPhases];
        var p2 = new Tensor[Phases];
        var a5 = new Tensor[Phases];
        var a6 = new Tensor[Phases];
        for (int sub = 0; sub < SubPhases; sub++)
        {
            p1[sub] = IsmNetwork.MaxPool(a2.narrow(2, sub, a2.shape[2] - sub));
            a3[sub] = net.Conv(2, p1[sub]);
            a4[sub] = net.Conv(3, a3[sub]);
            for (int q = 0; q < SubPhases; q++)
            {
                int phase = sub + SubPhases * q;
                p2[phase] = IsmNetwork.MaxPool(a4[sub].narrow(2, q, a4[sub].shape[2] - q));
                a5[phase] = net.Conv(4, p2[phase]);
                a6[phase] = net.Conv(5, a5[phase]);
            }
        }

        X = Keep([x]);
        A1 = Keep([a1]);
        A2 = Keep([a2]);
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

    private Level Keep(Tensor[] phases)
    {
        Level level = Join(phases);
        return level with { Values = Own(level.Values) };
    }

    private Tensor Own(Tensor t)
    {
        Tensor kept = t.contiguous().DetachFromDisposeScope();
        _owned.Add(kept);
        return kept;
    }

    /// <summary>Phases [2, C, w_i] → [C, Σ_strand Σ_i w_i], strand-major, and each block's first column.</summary>
    private static Level Join(Tensor[] phases)
    {
        var offsets = new long[Strands * phases.Length];
        long total = 0;
        for (int s = 0; s < Strands; s++)
        {
            for (int i = 0; i < phases.Length; i++)
            {
                offsets[s * phases.Length + i] = total;
                total += phases[i].shape[2];
            }
        }
        Tensor cat = torch.cat([.. Enumerable.Range(0, Strands).SelectMany(s => phases.Select(p => p[s]))], 1);
        return new Level(cat, offsets, phases.Length);
    }
}
