using System.IO.Compression;
using System.Numerics;
using ExPecto.Beluga.Weights.Pickle;
using ExPecto.Core;

namespace ExPecto.Beluga.Weights;

/// <summary>The two on-disk layouts of torch.save.</summary>
public enum PyTorchFileFormat
{
    /// <summary>torch ≥ 1.6 default: a zip archive holding data.pkl and one record per storage.</summary>
    Zip,

    /// <summary>Pre-1.6 layout (<c>_use_new_zipfile_serialization=False</c>): consecutive pickles, then raw storages.</summary>
    Legacy,
}

/// <summary>
/// Reads PyTorch state dicts (<c>torch.save(model.state_dict(), path)</c>) in both the zip and the legacy format,
/// without Python and without running anything from the file. A checkpoint that wraps the state dict
/// (<c>{'state_dict': …, 'epoch': …}</c>) is unwrapped. Storages of float64, float16, bfloat16 and integer types are
/// converted to float32; non-contiguous tensors are materialised row-major.
/// </summary>
public static class PyTorchStateDictReader
{
    // The legacy format starts with this number pickled (torch/serialization.py MAGIC_NUMBER) and version 1001.
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
    private const long LegacyProtocolVersion = 1001;

    // Checkpoint keys that commonly hold the state dict, tried in order.
    private static readonly string[] WrapperKeys = ["state_dict", "model_state_dict", "model", "net", "network"];

    /// <summary>
    /// Reads the state dict in <paramref name="path"/>: key → tensor, in the file's order.
    /// </summary>
    /// <exception cref="InputException">The file is missing, truncated, not a PyTorch file, or holds no state dict.</exception>
    public static IReadOnlyDictionary<string, TensorData> Read(string path)
    {
        if (!File.Exists(path)) throw new InputException(path, null, "PyTorch weight file not found");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return DetectFormat(stream, path) switch
            {
                PyTorchFileFormat.Zip => ReadZip(stream, path),
                _ => ReadLegacy(stream, path),
            };
        }
        catch (EndOfStreamException e)
        {
            throw new InputException(path, null, $"the file ends early (truncated?): {e.Message}", e);
        }
        catch (PickleException e)
        {
            throw new InputException(path, null, e.Message, e);
        }
        catch (InvalidDataException e)
        {
            throw new InputException(path, null, $"not a readable zip archive (truncated or damaged?): {e.Message}", e);
        }
    }

    /// <summary>Which torch.save layout <paramref name="path"/> has.</summary>
    /// <exception cref="InputException">Neither a zip archive nor a pickle.</exception>
    public static PyTorchFileFormat DetectFormat(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return DetectFormat(stream, path);
    }

    private static PyTorchFileFormat DetectFormat(Stream stream, string path)
    {
        Span<byte> head = stackalloc byte[4];
        int n = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        if (n == 0) throw new InputException(path, null, "the file is empty, expected a PyTorch weight file");
        if (n == 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
            return PyTorchFileFormat.Zip;
        if (head[0] == 0x80)
            return PyTorchFileFormat.Legacy;
        throw new InputException(path, null,
            $"not a PyTorch weight file: it starts with bytes {Convert.ToHexString(head[..n])}, expected a zip archive (504B0304) or a pickle (80)");
    }

    private static IReadOnlyDictionary<string, TensorData> ReadZip(FileStream stream, string path)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        // The archive's top folder is the file stem in torch < 2 and "archive" later: find it by data.pkl.
        var pkl = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
            ?? throw new InputException(path, null, "zip archive has no <name>/data.pkl record: not a torch.save file");
        string prefix = pkl.FullName[..^"data.pkl".Length];

        var byteOrder = zip.GetEntry(prefix + "byteorder");
        if (byteOrder is not null)
        {
            using var reader = new StreamReader(byteOrder.Open());
            string order = reader.ReadToEnd().Trim();
            if (order != "little") throw new InputException(path, null, $"storages are stored '{order}'-endian, only little-endian is supported");
        }

        TorchUnpickler unpickler;
        object? root;
        using (var pklStream = new MemoryStream(checked((int)pkl.Length)))
        {
            using (var s = pkl.Open()) s.CopyTo(pklStream);
            pklStream.Position = 0;
            unpickler = new TorchUnpickler(pklStream);
            root = unpickler.Load();
        }

        var stateDict = FindStateDict(root, path);
        var storages = new Dictionary<string, float[]>();
        foreach (var storage in NeededStorages(stateDict))
        {
            string name = prefix + "data/" + storage.Key;
            var entry = zip.GetEntry(name)
                ?? throw new InputException(path, null, $"storage '{storage.Key}' is referred to by the pickle but the archive has no record {name}");
            int size = TorchUnpickler.ElementSize(storage.DType);
            if (entry.Length % size != 0)
                throw new InputException(path, null, $"record {name} holds {entry.Length} bytes, not a whole number of {storage.DType} elements");
            using var data = entry.Open();
            storages[storage.Key] = StorageDecoder.Read(data, storage.DType, entry.Length / size);
        }
        return Materialise(stateDict, storages, path);
    }

    private static IReadOnlyDictionary<string, TensorData> ReadLegacy(FileStream stream, string path)
    {
        object? magic = new PickleMachine(stream).Load();
        if (!(magic is BigInteger m && m == LegacyMagic))
            throw new InputException(path, null, $"wrong magic number {PyFormat.Repr(magic)}: not a legacy torch.save file (expected 0x1950a86a20f9469cfc6c)");
        object? version = new PickleMachine(stream).Load();
        if (version is not LegacyProtocolVersion)
            throw new InputException(path, null, $"legacy protocol version {PyFormat.Repr(version)} is not supported (expected {LegacyProtocolVersion})");
        object? sysInfo = new PickleMachine(stream).Load();
        if (sysInfo is PyDict info && info.TryGet("little_endian", out var little) && little is false)
            throw new InputException(path, null, "the file was written on a big-endian machine; only little-endian is supported");

        var unpickler = new TorchUnpickler(stream);
        object? root = unpickler.Load();
        object? keyList = new PickleMachine(stream).Load();
        if (keyList is not List<object?> keys || keys.Any(k => k is not string))
            throw new InputException(path, null, $"expected the list of storage keys after the main pickle, found {PyFormat.TypeName(keyList)}");

        var stateDict = FindStateDict(root, path);
        var needed = NeededStorages(stateDict).Select(s => s.Key).ToHashSet();
        var storages = new Dictionary<string, float[]>();
        Span<byte> countBytes = stackalloc byte[8];
        foreach (string key in keys.Cast<string>())
        {
            // Each storage: int64 element count, then the raw little-endian elements.
            stream.ReadExactly(countBytes);
            long count = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(countBytes);
            if (!unpickler.Storages.TryGetValue(key, out var storage))
                throw new InputException(path, null, $"storage '{key}' is listed but no tensor refers to it, so its element type is unknown");
            long bytes = count * TorchUnpickler.ElementSize(storage.DType);
            if (count < 0 || stream.Position + bytes > stream.Length)
                throw new InputException(path, null, $"storage '{key}' claims {count} elements at byte {stream.Position - 8}, beyond the end of the file (truncated?)");
            if (needed.Contains(key))
                storages[key] = StorageDecoder.Read(stream, storage.DType, count);
            else
                stream.Seek(bytes, SeekOrigin.Current);
        }
        foreach (string key in needed)
            if (!storages.ContainsKey(key))
                throw new InputException(path, null, $"storage '{key}' is referred to by a tensor but missing from the file's storage list");
        return Materialise(stateDict, storages, path);
    }

    /// <summary>The dict of tensors itself, or the one a checkpoint wraps.</summary>
    private static List<(string Key, TensorRef Tensor)> FindStateDict(object? root, string path)
    {
        if (root is not PyDict dict)
            throw new InputException(path, null, $"expected a state dict (a dict of tensors), found a {PyFormat.TypeName(root)}");
        if (dict.Count > 0 && dict.Items.All(kv => kv.Value is TensorRef))
            return AsTensors(dict, path, "");
        foreach (string wrapper in WrapperKeys)
            if (dict.TryGet(wrapper, out var inner) && inner is PyDict innerDict && innerDict.Items.Any(kv => kv.Value is TensorRef))
                return AsTensors(innerDict, path, wrapper + ".");
        if (dict.Items.Any(kv => kv.Value is TensorRef))
            return AsTensors(dict, path, "");
        string keys = string.Join(", ", dict.Items.Take(10).Select(kv => PyFormat.Repr(kv.Key)));
        throw new InputException(path, null,
            $"no state dict found: the top-level dict holds no tensors and no '{string.Join("'/'", WrapperKeys)}' entry of tensors (keys: {keys})");
    }

    private static List<(string, TensorRef)> AsTensors(PyDict dict, string path, string where)
    {
        var result = new List<(string, TensorRef)>(dict.Count);
        foreach (var (key, value) in dict.Items)
        {
            if (key is not string name)
                throw new InputException(path, null, $"state dict key {PyFormat.Repr(key)} is not a string");
            if (value is not TensorRef tensor)
                throw new InputException(path, null, $"state dict entry '{where}{name}' is a {PyFormat.TypeName(value)}, expected a tensor");
            result.Add((name, tensor));
        }
        return result;
    }

    private static IEnumerable<StorageRef> NeededStorages(List<(string Key, TensorRef Tensor)> stateDict) =>
        stateDict.Select(t => t.Tensor.Storage).DistinctBy(s => s.Key);

    private static OrderedDictionary<string, TensorData> Materialise(
        List<(string Key, TensorRef Tensor)> stateDict, Dictionary<string, float[]> storages, string path)
    {
        var result = new OrderedDictionary<string, TensorData>(stateDict.Count);
        foreach (var (key, tensor) in stateDict)
            result[key] = Materialise(key, tensor, storages[tensor.Storage.Key], path);
        return result;
    }

    private static TensorData Materialise(string key, TensorRef t, float[] storage, string path)
    {
        long numel = TensorData.Numel(t.Size);
        if (numel > Array.MaxLength)
            throw new InputException(path, null, $"tensor '{key}' of shape {TensorData.FormatShape(t.Size)} is larger than one array can hold");
        long start = t.Storage.ElementOffset + t.StorageOffset;
        if (numel == 0) return new TensorData(t.Size, []);

        long last = start;
        for (int d = 0; d < t.Size.Length; d++) last += (t.Size[d] - 1) * t.Stride[d];
        if (start < 0 || last >= storage.LongLength)
            throw new InputException(path, null,
                $"tensor '{key}' (shape {TensorData.FormatShape(t.Size)}, stride {TensorData.FormatShape(t.Stride)}, offset {start}) " +
                $"reaches element {last} of storage '{t.Storage.Key}', which holds {storage.LongLength}");

        if (IsContiguous(t.Size, t.Stride))
        {
            if (start == 0 && numel == storage.LongLength) return new TensorData(t.Size, storage);
            var slice = new float[numel];
            Array.Copy(storage, start, slice, 0, numel);
            return new TensorData(t.Size, slice);
        }

        // Non-contiguous (transposed, sliced, permuted): walk the strides in row-major order.
        var data = new float[numel];
        int rank = t.Size.Length;
        var index = new long[rank];
        long src = start;
        for (long i = 0; i < numel; i++)
        {
            data[i] = storage[src];
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < t.Size[d])
                {
                    src += t.Stride[d];
                    break;
                }
                src -= (t.Size[d] - 1) * t.Stride[d];
                index[d] = 0;
            }
        }
        return new TensorData(t.Size, data);
    }

    private static bool IsContiguous(long[] size, long[] stride)
    {
        long expected = 1;
        for (int d = size.Length - 1; d >= 0; d--)
        {
            if (size[d] != 1 && stride[d] != expected) return false;
            expected *= size[d];
        }
        return true;
    }
}
