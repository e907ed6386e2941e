using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace ExPecto.Beluga.Weights.Pickle;

/// <summary>
/// A minimal pickle virtual machine for the opcodes torch.save emits (protocols 2–5, plus the protocol 0/1 forms
/// that old files may hold). It builds plain values (see PickleValues.cs) and never imports or runs anything:
/// <see cref="Call"/> and <see cref="PersistentLoad"/> are the only places a subclass gives globals a meaning.
/// Reads exactly one pickle from the stream and leaves it positioned after the STOP opcode.
/// </summary>
internal class PickleMachine
{
    private readonly Stream _input;
    private readonly List<object?> _stack = new();
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = new();
    private readonly byte[] _scratch = new byte[8];

    public PickleMachine(Stream input) => _input = input;

    /// <summary>Runs the pickle to its STOP opcode and returns the value it built.</summary>
    /// <exception cref="PickleException">An unknown opcode or an ill-formed pickle.</exception>
    /// <exception cref="EndOfStreamException">The stream ended before STOP.</exception>
    public object? Load()
    {
        _stack.Clear();
        _marks.Clear();
        _memo.Clear();
        while (true)
        {
            long at = _input.CanSeek ? _input.Position : -1;
            byte op = ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    {
                        byte version = ReadByte();
                        if (version > 5) throw new PickleException($"pickle protocol {version} is newer than 5");
                        break;
                    }
                case 0x95: // FRAME: a length hint only
                    ReadExact(8);
                    break;
                case (byte)'.': // STOP
                    if (_stack.Count != 1) throw new PickleException($"STOP with {_stack.Count} values on the stack");
                    return _stack[0];

                case (byte)'(': _marks.Push(_stack.Count); break; // MARK
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'2': Push(Peek()); break; // DUP

                case (byte)'N': Push(null); break; // NONE
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE

                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadExact(4))); break; // BININT
                case (byte)'K': Push((long)ReadByte()); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadExact(2))); break; // BININT2
                case 0x8a: Push(ReadLong(ReadByte())); break; // LONG1
                case 0x8b: Push(ReadLong(ReadCount32())); break; // LONG4
                case (byte)'I': // INT (protocol 0 and 1 spell False/True as INT 00/01)
                    {
                        string text = ReadLine();
                        Push(text switch { "00" => false, "01" => true, _ => ParseTextInt(text) });
                        break;
                    }
                case (byte)'L': Push(ParseTextLong(ReadLine())); break; // LONG (protocol 0)
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadExact(8))); break; // BINFLOAT
                case (byte)'F': Push(double.Parse(ReadLine(), System.Globalization.CultureInfo.InvariantCulture)); break; // FLOAT

                case (byte)'V': Push(DecodeRawUnicodeEscape(ReadLine())); break; // UNICODE (protocol 0)
                case (byte)'X': Push(ReadUtf8(ReadCount32())); break; // BINUNICODE
                case 0x8c: Push(ReadUtf8(ReadByte())); break; // SHORT_BINUNICODE
                case 0x8d: Push(ReadUtf8(ReadCount64())); break; // BINUNICODE8
                case (byte)'T': Push(ReadLatin1(ReadCount32())); break; // BINSTRING (Python 2 str)
                case (byte)'U': Push(ReadLatin1(ReadByte())); break; // SHORT_BINSTRING
                case (byte)'B': Push(ReadBytes(ReadCount32())); break; // BINBYTES
                case (byte)'C': Push(ReadBytes(ReadByte())); break; // SHORT_BINBYTES
                case 0x8e: Push(ReadBytes(ReadCount64())); break; // BINBYTES8
                case 0x96: Push(ReadBytes(ReadCount64())); break; // BYTEARRAY8

                case (byte)'}': Push(new PyDict()); break; // EMPTY_DICT
                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case (byte)')': Push(new PyTuple([])); break; // EMPTY_TUPLE
                case 0x8f: Push(new List<object?>()); break; // EMPTY_SET (a set is kept as a list)
                case (byte)'t': Push(new PyTuple(PopMark().ToArray())); break; // TUPLE
                case 0x85: Push(new PyTuple([Pop()])); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new PyTuple([a, b])); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PyTuple([a, b, c])); break; } // TUPLE3
                case (byte)'l': Push(PopMark()); break; // LIST
                case 0x91: Push(PopMark()); break; // FROZENSET
                case (byte)'d': // DICT
                    {
                        var items = PopMark();
                        var dict = new PyDict();
                        SetItems(dict, items);
                        Push(dict);
                        break;
                    }

                case (byte)'a': { var v = Pop(); AsList(Peek(), "APPEND").Add(v); break; } // APPEND
                case (byte)'e': { var items = PopMark(); AsList(Peek(), "APPENDS").AddRange(items); break; } // APPENDS
                case 0x90: { var items = PopMark(); AsList(Peek(), "ADDITEMS").AddRange(items); break; } // ADDITEMS
                case (byte)'s': { var v = Pop(); var k = Pop(); AsDict(Peek(), "SETITEM").Set(k, v); break; } // SETITEM
                case (byte)'u': { var items = PopMark(); SetItems(AsDict(Peek(), "SETITEMS"), items); break; } // SETITEMS

                case (byte)'p': _memo[ParseTextInt(ReadLine())] = Peek(); break; // PUT
                case (byte)'q': _memo[ReadByte()] = Peek(); break; // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadExact(4))] = Peek(); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
                case (byte)'g': Push(MemoGet(ParseTextInt(ReadLine()))); break; // GET
                case (byte)'h': Push(MemoGet(ReadByte())); break; // BINGET
                case (byte)'j': Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(ReadExact(4)))); break; // LONG_BINGET

                case (byte)'c': // GLOBAL
                    {
                        string module = ReadLine();
                        string name = ReadLine();
                        Push(new PyGlobal(module, name));
                        break;
                    }
                case 0x93: // STACK_GLOBAL
                    {
                        var name = Pop();
                        var module = Pop();
                        if (module is not string m || name is not string n)
                            throw new PickleException("STACK_GLOBAL needs two strings");
                        Push(new PyGlobal(m, n));
                        break;
                    }
                case (byte)'R': // REDUCE
                    {
                        var args = Pop();
                        var func = Pop();
                        Push(CallGlobal(func, args, "REDUCE"));
                        break;
                    }
                case 0x81: // NEWOBJ
                    {
                        var args = Pop();
                        var cls = Pop();
                        Push(CallGlobal(cls, args, "NEWOBJ"));
                        break;
                    }
                case 0x92: // NEWOBJ_EX (keyword arguments are dropped: nothing we interpret takes any)
                    {
                        Pop();
                        var args = Pop();
                        var cls = Pop();
                        Push(CallGlobal(cls, args, "NEWOBJ_EX"));
                        break;
                    }
                case (byte)'b': // BUILD
                    {
                        var state = Pop();
                        Build(Peek(), state);
                        break;
                    }
                case (byte)'Q': Push(PersistentLoad(Pop())); break; // BINPERSID
                case (byte)'P': Push(PersistentLoad(ReadLine())); break; // PERSID

                default:
                    throw new PickleException(at >= 0
                        ? $"unknown pickle opcode 0x{op:x2} at byte {at}"
                        : $"unknown pickle opcode 0x{op:x2}");
            }
        }
    }

    /// <summary>What a call of a global (REDUCE/NEWOBJ) yields. The default keeps it as an inert PyObject.</summary>
    protected virtual object? Call(PyGlobal func, PyTuple args) => func switch
    {
        { Module: "collections", Name: "OrderedDict" } => ToDict(args),
        { Module: "builtins" or "__builtin__", Name: "dict" } => ToDict(args),
        { Module: "builtins" or "__builtin__", Name: "set" or "frozenset" or "list" } =>
            args.Count == 0 ? new List<object?>() : AsList(args[0], func.FullName),
        // Protocols 0–2 pickle Python 3 bytes as _codecs.encode(text, 'latin1').
        { Module: "_codecs", Name: "encode" } when args.Count == 2 && args[0] is string text && args[1] is "latin1" or "latin-1" =>
            System.Text.Encoding.Latin1.GetBytes(text),
        { Module: "builtins" or "__builtin__", Name: "bytes" } when args.Count == 0 => Array.Empty<byte>(),
        _ => new PyObject(func, args),
    };

    /// <summary>Resolves a persistent id (torch uses them for storages). The default refuses.</summary>
    protected virtual object? PersistentLoad(object? pid) =>
        throw new PickleException($"unexpected persistent id {PyFormat.Repr(pid)}");

    private object? CallGlobal(object? func, object? args, string opcode)
    {
        if (func is not PyGlobal g)
            throw new PickleException($"{opcode} of a {PyFormat.TypeName(func)}, expected a global");
        if (args is not PyTuple t)
            throw new PickleException($"{opcode} of {g} with {PyFormat.TypeName(args)} arguments, expected a tuple");
        return Call(g, t);
    }

    private static void Build(object? target, object? state)
    {
        switch (target)
        {
            case PyObject o:
                o.State = state;
                break;
            case PyDict:
                // OrderedDict attributes such as state_dict()._metadata (version info we do not need).
                break;
            default:
                // Tensors carry their own state (e.g. requires_grad bookkeeping); nothing we use.
                break;
        }
    }

    private static PyDict ToDict(PyTuple args)
    {
        var dict = new PyDict();
        if (args.Count == 0) return dict;
        if (args[0] is PyDict src)
        {
            foreach (var kv in src.Items) dict.Set(kv.Key, kv.Value);
            return dict;
        }
        foreach (var item in AsList(args[0], "OrderedDict"))
        {
            if (item is not PyTuple { Count: 2 } pair) throw new PickleException("OrderedDict item is not a pair");
            dict.Set(pair[0], pair[1]);
        }
        return dict;
    }

    private static void SetItems(PyDict dict, List<object?> items)
    {
        if (items.Count % 2 != 0) throw new PickleException("SETITEMS with an odd number of values");
        for (int i = 0; i < items.Count; i += 2) dict.Set(items[i], items[i + 1]);
    }

    private static List<object?> AsList(object? v, string what) =>
        v as List<object?> ?? (v is PyTuple t ? t.Items.ToList() : throw new PickleException($"{what} on a {PyFormat.TypeName(v)}, expected a list"));

    private static PyDict AsDict(object? v, string what) =>
        v as PyDict ?? throw new PickleException($"{what} on a {PyFormat.TypeName(v)}, expected a dict");

    private void Push(object? v) => _stack.Add(v);

    private object? Pop()
    {
        int floor = _marks.Count > 0 ? _marks.Peek() : 0;
        if (_stack.Count <= floor) throw new PickleException("pickle stack underflow");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek()
    {
        if (_stack.Count == 0) throw new PickleException("pickle stack underflow");
        return _stack[^1];
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw new PickleException("no MARK on the stack");
        int at = _marks.Pop();
        var items = _stack.GetRange(at, _stack.Count - at);
        _stack.RemoveRange(at, _stack.Count - at);
        return items;
    }

    private object? MemoGet(long index) =>
        _memo.TryGetValue(index, out var v) ? v : throw new PickleException($"memo entry {index} was never stored");

    private byte ReadByte()
    {
        int b = _input.ReadByte();
        if (b < 0) throw new EndOfStreamException("the pickle ended before its STOP opcode");
        return (byte)b;
    }

    private byte[] ReadExact(int count)
    {
        byte[] buffer = count <= _scratch.Length ? _scratch : new byte[count];
        _input.ReadExactly(buffer, 0, count);
        return buffer;
    }

    private int ReadCount32()
    {
        uint n = BinaryPrimitives.ReadUInt32LittleEndian(ReadExact(4));
        if (n > Array.MaxLength) throw new PickleException($"pickle item of {n} bytes is too long");
        return (int)n;
    }

    private int ReadCount64()
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(ReadExact(8));
        if (n > (ulong)Array.MaxLength) throw new PickleException($"pickle item of {n} bytes is too long");
        return (int)n;
    }

    private byte[] ReadBytes(int count)
    {
        var bytes = new byte[count];
        _input.ReadExactly(bytes);
        return bytes;
    }

    private string ReadUtf8(int count) => Encoding.UTF8.GetString(ReadBytes(count));

    private string ReadLatin1(int count) => Encoding.Latin1.GetString(ReadBytes(count));

    private string ReadLine()
    {
        var sb = new StringBuilder();
        while (true)
        {
            byte b = ReadByte();
            if (b == (byte)'\n') return sb.ToString();
            if (sb.Length > 4096) throw new PickleException("text opcode argument longer than 4096 bytes");
            sb.Append((char)b);
        }
    }

    // Protocol 0 text: latin-1 bytes with \uXXXX and \UXXXXXXXX escapes (raw-unicode-escape).
    private static string DecodeRawUnicodeEscape(string line)
    {
        var sb = new StringBuilder(line.Length);
        for (int i = 0; i < line.Length; i++)
        {
            int digits = line[i] == '\\' && i + 1 < line.Length ? line[i + 1] switch { 'u' => 4, 'U' => 8, _ => 0 } : 0;
            if (digits > 0 && i + 2 + digits <= line.Length &&
                int.TryParse(line.AsSpan(i + 2, digits), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out int code))
            {
                sb.Append(char.ConvertFromUtf32(code));
                i += 1 + digits;
            }
            else
            {
                sb.Append(line[i]);
            }
        }
        return sb.ToString();
    }

    private object ReadLong(int count)
    {
        if (count == 0) return 0L;
        var bytes = ReadBytes(count);
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }

    private static long ParseTextInt(string text) =>
        long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long v)
            ? v : throw new PickleException($"bad INT argument '{text}'");

    private static object ParseTextLong(string text)
    {
        var value = BigInteger.Parse(text.TrimEnd('L'), System.Globalization.CultureInfo.InvariantCulture);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }
}
