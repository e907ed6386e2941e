using System.IO.Compression;
using System.Text.Json;
using ExPecto.Beluga.Weights;
using ExPecto.Core;

namespace ExPecto.Beluga.Tests.Weights;

public sealed class PyTorchStateDictReaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Zip_and_legacy_files_of_the_same_weights_read_identically()
    {
        var zip = PyTorchStateDictReader.Read(BelugaFixtures.SmallZip);
        var legacy = PyTorchStateDictReader.Read(BelugaFixtures.SmallLegacy);

        Assert.Equal(PyTorchFileFormat.Zip, PyTorchStateDictReader.DetectFormat(BelugaFixtures.SmallZip));
        Assert.Equal(PyTorchFileFormat.Legacy, PyTorchStateDictReader.DetectFormat(BelugaFixtures.SmallLegacy));
        Assert.Equal(BelugaFixtures.SmallShape.ExpectedShapes().Keys, zip.Keys);
        Assert.Equal(zip.Keys, legacy.Keys);
        foreach (var (key, shape) in BelugaFixtures.SmallShape.ExpectedShapes())
        {
            Assert.Equal(shape, zip[key].Shape);
            Assert.Equal(shape, legacy[key].Shape);
            Assert.Equal(zip[key].Data, legacy[key].Data);
        }
    }

    [Theory]
    [InlineData("zip")]
    [InlineData("legacy")]
    public void Strided_shared_and_converted_tensors_match_what_torch_holds(string format)
    {
        string path = format == "zip" ? BelugaFixtures.MiscZip : BelugaFixtures.MiscLegacy;
        var tensors = PyTorchStateDictReader.Read(path); // a {'state_dict': …, 'epoch': 3} checkpoint

        using var json = JsonDocument.Parse(File.ReadAllText(BelugaFixtures.MiscJson));
        var expected = json.RootElement.GetProperty("tensors");
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name), tensors.Keys);
        foreach (var property in expected.EnumerateObject())
        {
            var t = tensors[property.Name];
            long[] shape = property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            float[] data = property.Value.GetProperty("data").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
            Assert.Equal(shape, t.Shape);
            Assert.Equal(data, t.Data); // exact: float32 round trip; float64/float16 convert like torch's .float()
        }
    }

    [Fact]
    public void A_truncated_zip_file_is_an_input_error_naming_the_file()
    {
        string path = TempCopy(BelugaFixtures.SmallZip, bytes => bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InputException>(() => PyTorchStateDictReader.Read(path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("zip", e.Message);
    }

    [Theory]
    [InlineData(100)] // inside the magic-number pickle
    [InlineData(3000)] // inside the main pickle
    [InlineData(600_000)] // inside the storages
    public void A_truncated_legacy_file_is_an_input_error(int keep)
    {
        string path = TempCopy(BelugaFixtures.SmallLegacy, bytes => bytes[..keep]);
        var e = Assert.Throws<InputException>(() => PyTorchStateDictReader.Read(path));
        Assert.Equal(path, e.FilePath);
        Assert.Matches("truncated", e.Message);
    }

    [Fact]
    public void A_text_file_is_not_a_pytorch_file()
    {
        string path = TempCopy(BelugaFixtures.SmallZip, _ => "chr1\t100\t.\tA\tG\n"u8.ToArray());
        var e = Assert.Throws<InputException>(() => PyTorchStateDictReader.Read(path));
        Assert.Contains("not a PyTorch weight file", e.Message);
    }

    [Fact]
    public void A_pickle_with_the_wrong_magic_number_is_refused()
    {
        // PROTO 2, BININT1 5, STOP: a valid pickle of the number 5, where the legacy magic number should be.
        string path = TempCopy(BelugaFixtures.SmallZip, _ => [0x80, 0x02, (byte)'K', 5, (byte)'.']);
        var e = Assert.Throws<InputException>(() => PyTorchStateDictReader.Read(path));
        Assert.Contains("wrong magic number 5", e.Message);
    }

    [Fact]
    public void A_zip_file_without_a_storage_record_names_the_missing_storage()
    {
        string path = TempCopy(BelugaFixtures.SmallZip, bytes =>
        {
            using var input = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
            var output = new MemoryStream();
            using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var entry in input.Entries.Where(e => !e.FullName.EndsWith("/data/3", StringComparison.Ordinal)))
                {
                    using var to = zip.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                    using var from = entry.Open();
                    from.CopyTo(to);
                }
            }
            return output.ToArray();
        });
        var e = Assert.Throws<InputException>(() => PyTorchStateDictReader.Read(path));
        Assert.Contains("storage '3'", e.Message);
        Assert.Contains("data/3", e.Message);
    }

    [Fact]
    public void A_missing_file_is_an_input_error()
    {
        string path = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N") + ".pth");
        var e = Assert.Throws<InputException>(() => PyTorchStateDictReader.Read(path));
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void An_empty_file_is_an_input_error()
    {
        string path = TempCopy(BelugaFixtures.SmallZip, _ => []);
        var e = Assert.Throws<InputException>(() => PyTorchStateDictReader.Read(path));
        Assert.Contains("empty", e.Message);
    }

    private string TempCopy(string source, Func<byte[], byte[]> change)
    {
        string path = _temp.File(Guid.NewGuid().ToString("N") + Path.GetExtension(source));
        File.WriteAllBytes(path, change(File.ReadAllBytes(source)));
        return path;
    }
}
