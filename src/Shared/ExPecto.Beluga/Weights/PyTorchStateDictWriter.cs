using System.Runtime.InteropServices;
using System.Text;

namespace ExPecto.Beluga.Weights;

/// <summary>
/// Writes a state dict in torch.save's zip format (what torch ≥ 1.6 writes by default), readable by
/// <c>torch.load</c> and <see cref="PyTorchStateDictReader"/>. Every tensor is float32, contiguous, on its own storage;
/// the dict is a collections.OrderedDict in the given order. Equal input gives byte-identical files (fixed
/// timestamps, fixed archive folder name "archive", storages keyed 0, 1, 2 … in order).
/// </summary>
public static class PyTorchStateDictWriter
{
    private const string ArchiveName = "archive";

    /// <summary>
    /// Writes <paramref name="stateDict"/> to <paramref name="path"/>, through a temporary file in the same folder
    /// that is renamed into place when complete.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, TensorData>> stateDict)
    {
        var tensors = stateDict.ToList();
        for (int i = 0; i < tensors.Count; i++) tensors[i].Value.Validate(tensors[i].Key);
        if (tensors.Select(t => t.Key).Distinct(StringComparer.Ordinal).Count() != tensors.Count)
            throw new ArgumentException("state dict keys must be unique", nameof(stateDict));

        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var zip = new StoredZipWriter(stream);
                zip.Add(ArchiveName + "/data.pkl", BuildPickle(tensors));
                for (int i = 0; i < tensors.Count; i++)
                    zip.Add($"{ArchiveName}/data/{i}", MemoryMarshal.AsBytes(tensors[i].Value.Data.AsSpan()));
                zip.Add(ArchiveName + "/version", "3\n"u8);
                zip.Finish();
                stream.Flush();
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    /// <summary>The data.pkl torch.save writes for an OrderedDict of float tensors (pickle protocol 2).</summary>
    private static byte[] BuildPickle(List<KeyValuePair<string, TensorData>> tensors)
    {
        var p = new MemoryStream();
        p.Write([0x80, 2]); // PROTO 2
        Global(p, "collections", "OrderedDict");
        p.WriteByte((byte)')'); // EMPTY_TUPLE
        p.WriteByte((byte)'R'); // REDUCE
        if (tensors.Count > 0)
        {
            p.WriteByte((byte)'('); // MARK
            for (int i = 0; i < tensors.Count; i++)
            {
                var (key, tensor) = tensors[i];
                Unicode(p, key);
                Global(p, "torch._utils", "_rebuild_tensor_v2");
                p.WriteByte((byte)'('); // MARK: the arguments
                p.WriteByte((byte)'('); // MARK: the persistent id
                Unicode(p, "storage");
                Global(p, "torch", "FloatStorage");
                Unicode(p, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Unicode(p, "cpu");
                Int(p, tensor.ElementCount);
                p.WriteByte((byte)'t'); // TUPLE
                p.WriteByte((byte)'Q'); // BINPERSID
                Int(p, 0); // storage offset
                IntTuple(p, tensor.Shape);
                IntTuple(p, RowMajorStrides(tensor.Shape));
                p.WriteByte(0x89); // NEWFALSE: requires_grad
                Global(p, "collections", "OrderedDict"); // backward hooks
                p.WriteByte((byte)')');
                p.WriteByte((byte)'R');
                p.WriteByte((byte)'t'); // TUPLE
                p.WriteByte((byte)'R'); // REDUCE
            }
            p.WriteByte((byte)'u'); // SETITEMS
        }
        p.WriteByte((byte)'.'); // STOP
        return p.ToArray();
    }

    private static long[] RowMajorStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= Math.Max(shape[d], 1);
        }
        return strides;
    }

    private static void Global(Stream p, string module, string name)
    {
        p.WriteByte((byte)'c');
        p.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
    }

    private static void Unicode(Stream p, string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        p.WriteByte((byte)'X'); // BINUNICODE
        Span<byte> len = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(len, bytes.Length);
        p.Write(len);
        p.Write(bytes);
    }

    private static void Int(Stream p, long v)
    {
        if (v is >= 0 and < 256)
        {
            p.WriteByte((byte)'K'); // BININT1
            p.WriteByte((byte)v);
        }
        else if (v is >= int.MinValue and <= int.MaxValue)
        {
            p.WriteByte((byte)'J'); // BININT
            Span<byte> b = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
            p.Write(b);
        }
        else
        {
            p.WriteByte(0x8a); // LONG1, 8 bytes two's complement
            p.WriteByte(8);
            Span<byte> b = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(b, v);
            p.Write(b);
        }
    }

    private static void IntTuple(Stream p, long[] values)
    {
        if (values.Length == 0)
        {
            p.WriteByte((byte)')');
            return;
        }
        p.WriteByte((byte)'(');
        foreach (long v in values) Int(p, v);
        p.WriteByte((byte)'t');
    }
}
