using System.Numerics;

namespace ExPecto.Beluga.Weights.Pickle;

// The values the pickle machine builds. Nothing from a file is ever executed: a global is only a name, and a call
// (REDUCE/NEWOBJ) of a global the machine does not know becomes an inert PyObject.
// Python None is C# null; str → string; int → long (BigInteger when wider); float → double; bool → bool;
// bytes → byte[]; list → List<object?>; tuple → PyTuple; dict/OrderedDict → PyDict.

internal sealed record PyGlobal(string Module, string Name)
{
    public string FullName => Module + "." + Name;
    public override string ToString() => FullName;
}

internal sealed class PyTuple(object?[] items)
{
    public object?[] Items { get; } = items;
    public int Count => Items.Length;
    public object? this[int i] => Items[i];
    public override string ToString() => PyFormat.Repr(this);
}

/// <summary>dict or collections.OrderedDict; keeps insertion order (state-dict order).</summary>
internal sealed class PyDict
{
    private readonly OrderedDictionary<object, object?> _items = new();

    public int Count => _items.Count;
    public IEnumerable<KeyValuePair<object, object?>> Items => _items;

    public void Set(object? key, object? value)
    {
        if (key is null) throw new PickleException("dict key None is not supported");
        _items[key] = value;
    }

    public bool TryGet(object key, out object? value) => _items.TryGetValue(key, out value);
}

/// <summary>The inert result of calling or instantiating a global the machine does not interpret.</summary>
internal sealed class PyObject(PyGlobal type, PyTuple args)
{
    public PyGlobal Type { get; } = type;
    public PyTuple Args { get; } = args;
    public object? State { get; set; }
    public override string ToString() => PyFormat.Repr(this);
}

internal sealed class PickleException(string message) : Exception(message);

internal static class PyFormat
{
    // Depth- and length-limited: values come from the file, and a deeply nested tuple must not overflow the stack
    // (or a huge string flood a one-line error message).
    private const int MaxDepth = 3, MaxItems = 8, MaxString = 200;

    public static string Repr(object? v) => Repr(v, 0);

    private static string Repr(object? v, int depth) => v switch
    {
        null => "None",
        string s => "'" + (s.Length <= MaxString ? s : s[..MaxString] + "…") + "'",
        PyTuple t when depth >= MaxDepth => $"tuple[{t.Count}]",
        PyTuple t => "(" + string.Join(", ", t.Items.Take(MaxItems).Select(x => Repr(x, depth + 1))) + (t.Count > MaxItems ? ", …" : "") + ")",
        PyObject o when depth >= MaxDepth => o.Type.FullName + "(…)",
        PyObject o => o.Type.FullName + Repr(o.Args, depth + 1),
        bool b => b ? "True" : "False",
        long or BigInteger or double => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)!,
        byte[] bytes => $"bytes[{bytes.Length}]",
        List<object?> list => $"list[{list.Count}]",
        PyDict d => $"dict[{d.Count}]",
        _ => v.ToString() ?? v.GetType().Name,
    };

    public static string TypeName(object? v) => v switch
    {
        null => "None",
        string => "str",
        bool => "bool",
        long or BigInteger => "int",
        double => "float",
        byte[] => "bytes",
        List<object?> => "list",
        PyTuple => "tuple",
        PyDict => "dict",
        PyObject o => o.Type.FullName,
        PyGlobal g => g.FullName,
        _ => v.GetType().Name,
    };
}
