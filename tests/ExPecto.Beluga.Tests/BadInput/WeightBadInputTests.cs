using System.Text;
using ExPecto.Beluga.Weights;
using ExPecto.Core;

namespace ExPecto.Beluga.Tests.BadInput;

/// <summary>Bad weight files not covered by PyTorchStateDictReaderTests/BelugaNetTests (see docs/bad-input.md).</summary>
public sealed class WeightBadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("expecto-weights-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void A_corrupt_byte_in_a_zip_storage_record_fails_its_crc_and_names_the_file()
    {
        byte[] bytes = File.ReadAllBytes(BelugaFixtures.SmallZip);
        bytes[bytes.Length / 2] ^= 0x40; // inside the stored (uncompressed) weight records
        string path = Write("flipped.pth", bytes);
        var e = Assert.Throws<InputException>(() => PyTorchStateDictReader.Read(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("fails its CRC-32 check", e.Message);
    }

    [Fact]
    public void A_pickle_length_field_past_the_end_of_the_file_is_refused_without_allocating_it()
    {
        // PROTO 2, BINUNICODE of 0x7fff0000 bytes (2 GB) with 3 bytes present.
        string path = Write("huge-length.pth", [0x80, 0x02, (byte)'X', 0x00, 0x00, 0xff, 0x7f, (byte)'a', (byte)'b', (byte)'c']);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InputException>(() => PyTorchStateDictReader.Read(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "allocated the claimed length");
        Assert.Equal(path, e.FilePath);
        Assert.Contains("ends early", e.Message);
    }

    [Fact]
    public void A_malformed_text_float_in_a_pickle_is_an_input_error()
    {
        // Protocol-0 FLOAT whose argument is not a number (double.Parse's FormatException used to escape).
        string path = Write("bad-float.pth", [0x80, 0x02, (byte)'F', .. Encoding.ASCII.GetBytes("oops\n"), (byte)'.']);
        var e = Assert.Throws<InputException>(() => PyTorchStateDictReader.Read(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("bad FLOAT argument 'oops'", e.Message);
    }

    [Fact]
    public void A_malformed_text_long_in_a_pickle_is_an_input_error()
    {
        string path = Write("bad-long.pth", [0x80, 0x02, (byte)'L', .. Encoding.ASCII.GetBytes("12x3L\n"), (byte)'.']);
        var e = Assert.Throws<InputException>(() => PyTorchStateDictReader.Read(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("bad LONG argument", e.Message);
    }

    [Fact]
    public void A_zip_record_claiming_an_impossible_size_is_refused()
    {
        // Patch data.pkl's uncompressed size in the central directory to 3 GB.
        byte[] bytes = File.ReadAllBytes(BelugaFixtures.MiscZip);
        int cd = LastIndexOf(bytes, "PK\u0001\u0002"u8.ToArray(), FirstCentralEntryNamed(bytes, "data.pkl"));
        BitConverter.TryWriteBytes(bytes.AsSpan(cd + 24), 3_000_000_000u);
        string path = Write("huge-record.pth", bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InputException>(() => PyTorchStateDictReader.Read(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "allocated the claimed size");
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void A_beluga_file_with_a_wrong_tensor_shape_is_refused_at_load_naming_file_key_and_shapes()
    {
        var stateDict = new OrderedDictionary<string, TensorData>();
        foreach (var (key, tensor) in PyTorchStateDictReader.Read(BelugaFixtures.SmallZip))
            stateDict[key] = key == "model.0.0.weight" ? new TensorData([16, 4, 1, 9], new float[16 * 4 * 9]) : tensor;
        string path = Path.Combine(_dir, "wrong-shape.pth");
        PyTorchStateDictWriter.Write(path, stateDict);
        var e = Assert.Throws<InputException>(() => TorchChromatinModel.Load(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("'model.0.0.weight': expected shape [16, 4, 1, 8], found [16, 4, 1, 9]", e.Message);
    }

    [Fact]
    public void A_state_dict_that_is_not_beluga_is_refused_naming_the_missing_key()
    {
        var e = Assert.Throws<InputException>(() => TorchChromatinModel.Load(BelugaFixtures.MiscZip));
        Assert.Equal(BelugaFixtures.MiscZip, e.FilePath);
        Assert.Contains("not a Beluga state dict", e.Message);
    }

    private static int FirstCentralEntryNamed(byte[] bytes, string suffix)
    {
        byte[] name = Encoding.ASCII.GetBytes(suffix);
        int at = bytes.Length;
        while ((at = LastIndexOf(bytes, name, at - 1)) >= 0)
        {
            int header = LastIndexOf(bytes, "PK\u0001\u0002"u8.ToArray(), at);
            if (header >= 0 && header + 46 <= at) return at;
        }
        throw new InvalidOperationException("no central directory entry for " + suffix);
    }

    private static int LastIndexOf(byte[] bytes, byte[] pattern, int before) =>
        bytes.AsSpan(0, Math.Max(0, before)).LastIndexOf(pattern);
}
