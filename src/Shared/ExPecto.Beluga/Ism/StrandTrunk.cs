using ExPecto.Core.Chromatin;
using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>
/// Reference activations of every conv/pool layer over one whole strand of a region, for all 16 pooling phases.
/// The trunk is translation-equivariant with total stride 16, so the window starting at w = φ + 16m (φ = w mod 16)
/// sees exactly conv6 columns m..m+105 of phase φ. Phases nest: conv1–2 run once at full resolution, pool 1 at
/// phase p1 = φ mod 4 feeds conv3–4, and pool 2 at phase q = φ / 4 feeds conv5–6. Phase-dependent levels are
/// concatenated along the width, with per-phase column offsets, so one index_select serves a batch of mutations
/// whose windows sit at different phases.
/// Column conventions (all 0-based): A1[j] ← X[j..j+7]; A2[j] ← A1[j..j+7]; P1_p1[k] = max A2[p1+4k .. p1+4k+3];
/// A3[k] ← P1[k..k+7]; A4[k] ← A3[k..k+7]; P2_φ[k] = max A4_p1[q+4k .. q+4k+3]; A5 and A6 likewise.
/// </summary>
internal sealed class StrandTrunk : IDisposable
{
    public const int Phases = 16;
    public const int SubPhases = 4;

    private readonly List<Tensor> _owned = [];

    /// <summary>Builds the trunk for one strand given as ASCII bases. Call inside inference mode.</summary>
    public StrandTrunk(IsmNetwork net, byte[] strand)
    {
        using var scope = torch.NewDisposeScope();
        int length = strand.Length;
        var oneHot = new float[OneHot.Channels * length];
        OneHot.Encode(strand, oneHot);
        Tensor x = torch.tensor(oneHot, [1, OneHot.Channels, length]).to(net.Device);
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

        X = Keep(x[0]);
        A1 = Keep(a1[0]);
        A2 = Keep(a2[0]);
        (P1, P1Offset) = Concat(p1);
        (A3, A3Offset) = Concat(a3);
        (A4, A4Offset) = Concat(a4);
        (P2, P2Offset) = Concat(p2);
        (A5, A5Offset) = Concat(a5);
        (Tensor a6Cat, A6Offset) = ConcatPhases(a6);
        // Rows = columns: a window's 106 columns (and a span's) become one contiguous block.
        A6Rows = Keep(a6Cat.t());
    }

    /// <summary>One-hot strand [4, L].</summary>
    public Tensor X { get; }
    public Tensor A1 { get; }
    public Tensor A2 { get; }
    /// <summary>[C2, Σ widths]; phase p1 starts at column P1Offset[p1].</summary>
    public Tensor P1 { get; }
    public long[] P1Offset { get; }
    public Tensor A3 { get; }
    public long[] A3Offset { get; }
    public Tensor A4 { get; }
    public long[] A4Offset { get; }
    /// <summary>[C4, Σ widths]; phase φ starts at column P2Offset[φ].</summary>
    public Tensor P2 { get; }
    public long[] P2Offset { get; }
    public Tensor A5 { get; }
    public long[] A5Offset { get; }
    /// <summary>Conv6 output transposed, [Σ widths, C6]; phase φ starts at row A6Offset[φ].</summary>
    public Tensor A6Rows { get; }
    public long[] A6Offset { get; }

    public void Dispose()
    {
        foreach (Tensor t in _owned) t.Dispose();
    }

    private Tensor Keep(Tensor t)
    {
        Tensor kept = t.contiguous().DetachFromDisposeScope();
        _owned.Add(kept);
        return kept;
    }

    private (Tensor Cat, long[] Offset) Concat(Tensor[] phases)
    {
        (Tensor cat, long[] offset) = ConcatPhases(phases);
        return (Keep(cat), offset);
    }

    /// <summary>Phases [1, C, w_i] → [C, Σ w_i] and each phase's first column.</summary>
    private static (Tensor Cat, long[] Offset) ConcatPhases(Tensor[] phases)
    {
        var offset = new long[phases.Length];
        long total = 0;
        for (int i = 0; i < phases.Length; i++)
        {
            offset[i] = total;
            total += phases[i].shape[2];
        }
        return (torch.cat(phases, 2)[0], offset);
    }
}
