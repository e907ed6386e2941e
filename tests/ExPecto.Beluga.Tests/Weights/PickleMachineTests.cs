using System.Globalization;
using System.Numerics;
using System.Text;
using ExPecto.Beluga.Weights;
using ExPecto.Beluga.Weights.Pickle;
using ExPecto.Testing;

namespace ExPecto.Beluga.Tests.Weights;

public class PickleMachineTests
{
    /// <summary>
    /// Python's pickle module wrote one object with each protocol (tests/fixtures/make_fixtures_torch.py) and rendered
    /// it canonically; the machine must build the same value from every protocol's opcodes.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Loads_what_python_pickles_with_each_protocol(int protocol)
    {
        string expected = File.ReadAllText(TestPaths.Fixture("beluga/pickles/expected.txt")).TrimEnd('\n');
        using var stream = File.OpenRead(TestPaths.Fixture($"beluga/pickles/protocol{protocol}.pkl"));

        object? value = new PickleMachine(stream).Load();

        Assert.Equal(expected, Render(value));
        Assert.Equal(stream.Length, stream.Position); // stops exactly after STOP
    }

    [Theory]
    [InlineData("zip")]
    [InlineData("legacy")]
    public void Torch_files_saved_with_pickle_protocol_4_read_like_protocol_2(string format)
    {
        var p2 = PyTorchStateDictReader.Read(TestPaths.Fixture($"beluga/tensors_misc_{format}.pth"));
        var p4 = PyTorchStateDictReader.Read(TestPaths.Fixture($"beluga/tensors_misc_{format}_p4.pth"));
        Assert.Equal(p2.Keys, p4.Keys);
        foreach (var key in p2.Keys)
        {
            Assert.Equal(p2[key].Shape, p4[key].Shape);
            Assert.Equal(p2[key].Data, p4[key].Data);
        }
    }

    [Fact]
    public void An_unknown_opcode_is_reported_with_its_offset()
    {
        using var stream = new MemoryStream([0x80, 2, (byte)'K', 1, 0xff]);
        var e = Assert.Throws<PickleException>(() => new PickleMachine(stream).Load());
        Assert.Equal("unknown pickle opcode 0xff at byte 4", e.Message);
    }

    [Fact]
    public void Globals_are_names_never_code()
    {
        // GLOBAL os.system, then REDUCE with ('echo hi',): stays an inert PyObject.
        var bytes = new List<byte> { 0x80, 2, (byte)'c' };
        bytes.AddRange("os\nsystem\n"u8.ToArray());
        bytes.AddRange([0x8c, 7]);
        bytes.AddRange("echo hi"u8.ToArray());
        bytes.AddRange([0x85, (byte)'R', (byte)'.']);
        var value = new PickleMachine(new MemoryStream(bytes.ToArray())).Load();
        var o = Assert.IsType<PyObject>(value);
        Assert.Equal("os.system", o.Type.FullName);
    }

    /// <summary>The canonical text make_fixtures_torch.py's render() writes.</summary>
    private static string Render(object? v) => v switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        BigInteger big => big.ToString(CultureInfo.InvariantCulture),
        double d => PythonFloat(d),
        string s => JsonString(s),
        byte[] bytes => "b'" + Convert.ToHexStringLower(bytes) + "'",
        List<object?> list => "[" + string.Join(",", list.Select(Render)) + "]",
        PyTuple t => "(" + string.Join(",", t.Items.Select(Render)) + ")",
        PyDict d => "{" + string.Join(",", d.Items.Select(kv => Render(kv.Key) + ":" + Render(kv.Value))) + "}",
        _ => throw new InvalidOperationException($"unexpected {v.GetType().Name}"),
    };

    private static string PythonFloat(double d)
    {
        string s = d.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e");
        return s.Contains('.') || s.Contains('e') ? s : s + ".0";
    }

    private static string JsonString(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in s)
        {
            if (c == '"' || c == '\\') sb.Append('\\').Append(c);
            else if (c < 0x20 || c > 0x7e) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
