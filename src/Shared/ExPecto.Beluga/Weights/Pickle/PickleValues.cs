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
    public override string ToString() => "(" + string.Join(", ", Items.Select(PyFormat.Repr)) + ")";
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
    public override string ToString() => $"{Type}{Args}";
}

internal sealed class PickleException(string message) : Exception(message);

internal static class PyFormat
{
    public static string Repr(object? v) => v switch
    {
        null => "None",
        string s => "'" + s + "'",
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
