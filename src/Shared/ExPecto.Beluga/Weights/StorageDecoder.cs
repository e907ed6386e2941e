using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ExPecto.Beluga.Weights.Pickle;

namespace ExPecto.Beluga.Weights;

/// <summary>Reads raw little-endian storage bytes into float32, converting other element types.</summary>
internal static class StorageDecoder
{
    private const int ChunkElements = 1 << 16;

    /// <summary>Reads <paramref name="count"/> elements of <paramref name="dtype"/> from the stream as float32.</summary>
    /// <exception cref="EndOfStreamException">The stream holds fewer bytes.</exception>
    public static float[] Read(Stream input, StorageDType dtype, long count)
    {
        if (count > Array.MaxLength) throw new PickleException($"storage of {count} elements is larger than one array can hold");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("storages are decoded on little-endian machines only");
        var result = new float[count];
        if (dtype == StorageDType.Float32)
        {
            input.ReadExactly(MemoryMarshal.AsBytes(result.AsSpan()));
            return result;
        }

        int size = TorchUnpickler.ElementSize(dtype);
        var buffer = new byte[ChunkElements * size];
        for (long start = 0; start < count; start += ChunkElements)
        {
            int n = (int)Math.Min(ChunkElements, count - start);
            var bytes = buffer.AsSpan(0, n * size);
            input.ReadExactly(bytes);
            var dest = result.AsSpan((int)start, n);
            Convert(dtype, bytes, dest);
        }
        return result;
    }

    private static void Convert(StorageDType dtype, ReadOnlySpan<byte> src, Span<float> dest)
    {
        switch (dtype)
        {
            case StorageDType.Float64:
                for (int i = 0; i < dest.Length; i++) dest[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(i * 8)..]);
                break;
            case StorageDType.Float16:
                for (int i = 0; i < dest.Length; i++) dest[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(src[(i * 2)..]);
                break;
            case StorageDType.BFloat16:
                // bfloat16 is the upper half of a float32.
                for (int i = 0; i < dest.Length; i++)
                    dest[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src[(i * 2)..]) << 16);
                break;
            case StorageDType.Int64:
                for (int i = 0; i < dest.Length; i++) dest[i] = BinaryPrimitives.ReadInt64LittleEndian(src[(i * 8)..]);
                break;
            case StorageDType.Int32:
                for (int i = 0; i < dest.Length; i++) dest[i] = BinaryPrimitives.ReadInt32LittleEndian(src[(i * 4)..]);
                break;
            case StorageDType.Int16:
                for (int i = 0; i < dest.Length; i++) dest[i] = BinaryPrimitives.ReadInt16LittleEndian(src[(i * 2)..]);
                break;
            case StorageDType.Int8:
                for (int i = 0; i < dest.Length; i++) dest[i] = (sbyte)src[i];
                break;
            case StorageDType.UInt8:
            case StorageDType.Bool:
                for (int i = 0; i < dest.Length; i++) dest[i] = src[i];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);
        }
    }
}
