using ExPecto.Core.Chromatin;
using ExPecto.Core.Transforms;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>Argument checks and small tensor plumbing shared by the delta engines.</summary>
internal static class MutationBatch
{
    public const int WindowLength = IsmNetwork.WindowLength;
    public const int Centre = VariantShifts.CentreIndex;
    public static int ShiftCount => VariantShifts.All.Length;

    /// <summary>Smallest offset whose every shifted window starts inside the region.</summary>
    public static int MinOffset => Centre - VariantShifts.All.Min();

    /// <summary>Largest offset whose every shifted window ends inside a region of <paramref name="regionLength"/>.</summary>
    public static int MaxOffset(int regionLength) => regionLength - 1 - (WindowLength - 1 - Centre) - VariantShifts.All.Max();

    /// <summary>Window start (region offset of window index 0) for a mutation at <paramref name="offset"/> and shift s.</summary>
    public static int WindowStart(int offset, int shift) => offset + shift - Centre;

    /// <summary>Throws unless every mutation satisfies the engine contract and the output span fits.</summary>
    public static void Validate(ReadOnlySpan<PointMutation> mutations, int regionLength, int deltasLength, int featureCount)
    {
        long needed = (long)mutations.Length * ShiftCount * featureCount;
        if (deltasLength != needed)
            throw new ArgumentException($"deltas holds {deltasLength} floats; {mutations.Length} mutations × {ShiftCount} shifts × {featureCount} features need {needed}", "deltas");
        int lo = MinOffset, hi = MaxOffset(regionLength);
        for (int i = 0; i < mutations.Length; i++)
        {
            PointMutation m = mutations[i];
            if (m.Offset < lo || m.Offset > hi)
                throw new ArgumentOutOfRangeException("mutations", $"mutation {i} at offset {m.Offset}: every shifted window must lie inside the {regionLength} bp region, so offsets must lie in [{lo}, {hi}]");
            if (OneHot.Channel(m.Alt) < 0)
                throw new ArgumentException($"mutation {i} at offset {m.Offset}: ALT must be A, C, G or T, found '{(char)m.Alt}'", "mutations");
        }
    }

    public static Tensor LongTensor(long[] values, Device device) => torch.tensor(values, device: device);

    /// <summary>Copies a float tensor (any device, any strides) into <paramref name="dest"/>, row-major.</summary>
    public static void CopyOut(Tensor t, Span<float> dest)
    {
        using Tensor host = t.to(ScalarType.Float32).cpu().contiguous();
        // One memcpy of the storage (TensorAccessor.CopyTo goes element by element, ≈ 1 GB/s).
        MemoryMarshal.Cast<byte, float>(host.bytes).CopyTo(dest);
    }
}
