using CsCheck;
using ExPecto.Beluga.Weights;
using ExPecto.Core;
using ExPecto.Testing.Fuzz;

namespace ExPecto.Beluga.Tests.BadInput;

/// <summary>
/// Random and mutated torch.save files: the reader (and the Beluga shape check after it) must succeed or throw
/// InputException, promptly and without believing a corrupt size (see <see cref="FuzzHarness"/>).
/// </summary>
public sealed class WeightReaderFuzzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("expecto-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void ReadAndCheck(byte[] bytes)
    {
        string path = Path.Combine(_dir, "fuzz.pth");
        File.WriteAllBytes(path, bytes);
        IReadOnlyDictionary<string, TensorData> dict = PyTorchStateDictReader.Read(path);
        foreach (var (key, tensor) in dict)
            tensor.Validate(key);
        // Any state dict that is not exactly Beluga's must be refused by the shape check, as an input error.
        BelugaShape.FromStateDict(dict, path);
    }

    [Fact]
    public void Small_misc_files_in_both_formats_read_or_report_bad_input()
    {
        byte[] zip = File.ReadAllBytes(BelugaFixtures.MiscZip), legacy = File.ReadAllBytes(BelugaFixtures.MiscLegacy);
        var gen = Gen.Frequency(
            (1, FuzzHarness.RandomBytes()),
            (1, FuzzHarness.RandomBytesAfter([0x80, 2])),
            (1, FuzzHarness.RandomBytesAfter("PK\u0003\u0004"u8.ToArray())),
            (4, FuzzHarness.Mutations(zip)),
            (4, FuzzHarness.Mutations(legacy)),
            (2, FuzzHarness.HeadMutations(legacy, 1000)));
        FuzzHarness.Check(gen, ReadAndCheck, iterations: 800);
    }

    [Theory]
    [InlineData("zip")]
    [InlineData("legacy")]
    public void Small_beluga_files_read_or_report_bad_input(string format)
    {
        byte[] valid = File.ReadAllBytes(format == "zip" ? BelugaFixtures.SmallZip : BelugaFixtures.SmallLegacy);
        // Most of the file is storage bytes; aim half the edits at the pickle and zip headers at either end.
        var gen = Gen.Frequency(
            (2, FuzzHarness.Mutations(valid)),
            (2, FuzzHarness.HeadMutations(valid, 4000)),
            (1, FuzzHarness.Mutations(valid[^3000..]).Select(tail => valid[..^3000].Concat(tail).ToArray())));
        FuzzHarness.Check(gen, ReadAndCheck, iterations: 60, print: b => $"{b.Length} bytes");
    }
}
