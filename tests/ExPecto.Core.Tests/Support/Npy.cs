using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace ExPecto.Core.Tests.Support;

/// <summary>Minimal .npy reader (version 1/2, little-endian '&lt;f8' or '&lt;f4', C order) for reference arrays.</summary>
internal static partial class Npy
{
    public static (double[] Data, int[] Shape) ReadDoubles(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes[0] == 0x93 && Encoding.ASCII.GetString(bytes, 1, 5) == "NUMPY", "not an .npy file");
        int major = bytes[6];
        int headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int dataStart = (major == 1 ? 10 : 12) + headerLength;
        string header = Encoding.ASCII.GetString(bytes, major == 1 ? 10 : 12, headerLength);
        Assert.Contains("'fortran_order': False", header);
        string descr = DescrPattern().Match(header).Groups[1].Value;
        int[] shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        int count = shape.Aggregate(1, (a, b) => a * b);
        var data = new double[count];
        var span = bytes.AsSpan(dataStart);
        switch (descr)
        {
            case "<f8":
                for (int i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadDoubleLittleEndian(span[(8 * i)..]);
                break;
            case "<f4":
                for (int i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(span[(4 * i)..]);
                break;
            default:
                throw new InvalidDataException($"unsupported dtype {descr}");
        }
        return (data, shape);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
