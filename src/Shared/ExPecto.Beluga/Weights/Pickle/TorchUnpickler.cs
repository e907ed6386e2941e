namespace ExPecto.Beluga.Weights.Pickle;

/// <summary>Element types of torch storages, named by their legacy storage classes (torch.FloatStorage …).</summary>
internal enum StorageDType
{
    Float32,
    Float64,
    Float16,
    BFloat16,
    Int64,
    Int32,
    Int16,
    Int8,
    UInt8,
    Bool,
}

/// <summary>
/// A storage named by a persistent id: its file key, element type and element count as the pickle states them.
/// <see cref="ElementOffset"/> is non-zero only for legacy storage views (a slice of the root storage).
/// </summary>
internal sealed record StorageRef(string Key, StorageDType DType, long ElementCount, long ElementOffset);

/// <summary>A tensor as torch._utils._rebuild_tensor(_v2) describes it: a strided view of a storage.</summary>
internal sealed record TensorRef(StorageRef Storage, long StorageOffset, long[] Size, long[] Stride);

/// <summary>The pickle machine with the few torch globals a state dict needs given their meaning.</summary>
internal sealed class TorchUnpickler(Stream input) : PickleMachine(input)
{
    private readonly Dictionary<string, StorageRef> _storages = new();

    /// <summary>Every storage the pickle referred to, by key.</summary>
    public IReadOnlyDictionary<string, StorageRef> Storages => _storages;

    public static int ElementSize(StorageDType t) => t switch
    {
        StorageDType.Float64 or StorageDType.Int64 => 8,
        StorageDType.Float32 or StorageDType.Int32 => 4,
        StorageDType.Float16 or StorageDType.BFloat16 or StorageDType.Int16 => 2,
        _ => 1,
    };

    protected override object? PersistentLoad(object? pid)
    {
        // ('storage', storage_type, key, location, numel) in zip files; legacy files add view_metadata.
        if (pid is not PyTuple t || t.Count < 5 || t[0] is not "storage")
            throw new PickleException($"persistent id {PyFormat.Repr(pid)} is not a ('storage', type, key, location, numel) tuple");
        if (t[1] is not PyGlobal type)
            throw new PickleException($"storage type {PyFormat.Repr(t[1])} is not a class name");
        var dtype = ParseStorageType(type);
        string key = t[2] as string ?? throw new PickleException($"storage key {PyFormat.Repr(t[2])} is not a string");
        long numel = AsLong(t[4], "storage element count");

        if (!_storages.TryGetValue(key, out var root))
        {
            root = new StorageRef(key, dtype, numel, 0);
            _storages[key] = root;
        }
        else if (root.DType != dtype)
        {
            throw new PickleException($"storage '{key}' is referred to as {root.DType} and as {dtype}");
        }

        if (t.Count >= 6 && t[5] is PyTuple view)
        {
            // Legacy storage view: (view_key, offset, view_size); offset and size count elements.
            if (view.Count != 3) throw new PickleException($"storage view metadata {view} is not (key, offset, size)");
            long offset = AsLong(view[1], "storage view offset");
            long size = AsLong(view[2], "storage view size");
            return root with { ElementOffset = offset, ElementCount = size };
        }
        return root;
    }

    protected override object? Call(PyGlobal func, PyTuple args)
    {
        switch (func.Module, func.Name)
        {
            case ("torch._utils", "_rebuild_tensor_v2"):
            case ("torch._utils", "_rebuild_tensor"):
                {
                    // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
                    if (args.Count < 4) throw new PickleException($"{func} with {args.Count} arguments, expected at least 4");
                    if (args[0] is not StorageRef storage)
                        throw new PickleException($"{func} of a {PyFormat.TypeName(args[0])}, expected a storage");
                    long offset = AsLong(args[1], "storage offset");
                    long[] size = AsLongs(args[2], "size");
                    long[] stride = AsLongs(args[3], "stride");
                    if (size.Length != stride.Length)
                        throw new PickleException($"tensor size {TensorData.FormatShape(size)} and stride {TensorData.FormatShape(stride)} differ in rank");
                    return new TensorRef(storage, offset, size, stride);
                }
            case ("torch._utils", "_rebuild_parameter"):
            case ("torch._utils", "_rebuild_parameter_with_state"):
                // (data, requires_grad, backward_hooks[, state]): a Parameter is its data here.
                return args.Count > 0 ? args[0] : throw new PickleException($"{func} without arguments");
            case ("torch._tensor", "_rebuild_from_type_v2"):
            case ("torch._tensor", "_rebuild_from_type"):
                // (func, new_type, args, state): a tensor subclass; rebuild the plain tensor.
                if (args.Count >= 3 && args[0] is PyGlobal inner && args[2] is PyTuple innerArgs)
                    return Call(inner, innerArgs);
                throw new PickleException($"{func} with unexpected arguments {args}");
            default:
                return base.Call(func, args);
        }
    }

    private static StorageDType ParseStorageType(PyGlobal type)
    {
        if (type.Module is not ("torch" or "torch.cuda"))
            throw new PickleException($"storage type {type} is not a torch storage");
        return type.Name switch
        {
            "FloatStorage" => StorageDType.Float32,
            "DoubleStorage" => StorageDType.Float64,
            "HalfStorage" => StorageDType.Float16,
            "BFloat16Storage" => StorageDType.BFloat16,
            "LongStorage" => StorageDType.Int64,
            "IntStorage" => StorageDType.Int32,
            "ShortStorage" => StorageDType.Int16,
            "CharStorage" => StorageDType.Int8,
            "ByteStorage" => StorageDType.UInt8,
            "BoolStorage" => StorageDType.Bool,
            _ => throw new PickleException($"storage type {type} is not supported (expected float32, float64, float16, bfloat16 or an integer type)"),
        };
    }

    private static long AsLong(object? v, string what) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new PickleException($"{what} {PyFormat.Repr(v)} is not an int"),
    };

    private static long[] AsLongs(object? v, string what)
    {
        object?[] items = v switch
        {
            PyTuple t => t.Items,
            List<object?> l => l.ToArray(),
            _ => throw new PickleException($"{what} {PyFormat.Repr(v)} is not a tuple of ints"),
        };
        var result = new long[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            result[i] = AsLong(items[i], what);
            if (result[i] < 0) throw new PickleException($"{what} {PyFormat.Repr(v)} has a negative entry");
        }
        return result;
    }
}
