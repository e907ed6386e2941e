using ExPecto.Beluga.Weights;
using ExPecto.Core;

namespace ExPecto.Beluga;

/// <summary>
/// The layer widths of a Beluga network. Kernel (1, 8), pools (1, 4) and the 2,000 bp window are fixed by the
/// architecture; the widths are read from a state dict, so a reduced-width file with Beluga's keys loads too.
/// Positions through the trunk: 2000 → 1993 → 1986 → 496 → 489 → 482 → 120 → 113 → 106.
/// </summary>
public sealed record BelugaShape(int Conv1, int Conv2, int Conv3, int Conv4, int Conv5, int Conv6, int Hidden, int Outputs)
{
    public const int WindowLength = 2000;
    public const int Kernel = 8;
    public const int Pool = 4;

    /// <summary>Positions left after the trunk: the flatten is channel-major, index = c · 106 + w.</summary>
    public const int TrunkPositions = 106;

    /// <summary>The published deepsea.beluga.pth: 149,536,251 parameters.</summary>
    public static BelugaShape Full { get; } = new(320, 320, 480, 480, 640, 640, 2003, 2002);

    /// <summary>State-dict key prefixes of the six convolutions, in order.</summary>
    public static IReadOnlyList<string> ConvKeys { get; } =
        ["model.0.0", "model.0.2", "model.0.6", "model.0.8", "model.0.12", "model.0.14"];

    public const string Fc1Key = "model.1.2.1";
    public const string Fc2Key = "model.1.4.1";

    /// <summary>fc1 in-features: conv6 channels × 106 positions.</summary>
    public long FlattenWidth => (long)Conv6 * TrunkPositions;

    public IReadOnlyList<int> ConvChannels => [Conv1, Conv2, Conv3, Conv4, Conv5, Conv6];

    public long ParameterCount => ExpectedShapes().Values.Sum(TensorData.Numel);

    /// <summary>Every state-dict key of this shape with its tensor shape, in module order.</summary>
    public IReadOnlyDictionary<string, long[]> ExpectedShapes()
    {
        var shapes = new OrderedDictionary<string, long[]>();
        int inChannels = 4;
        var channels = ConvChannels;
        for (int i = 0; i < ConvKeys.Count; i++)
        {
            shapes[ConvKeys[i] + ".weight"] = [channels[i], inChannels, 1, Kernel];
            shapes[ConvKeys[i] + ".bias"] = [channels[i]];
            inChannels = channels[i];
        }
        shapes[Fc1Key + ".weight"] = [Hidden, FlattenWidth];
        shapes[Fc1Key + ".bias"] = [Hidden];
        shapes[Fc2Key + ".weight"] = [Outputs, Hidden];
        shapes[Fc2Key + ".bias"] = [Outputs];
        return shapes;
    }

    /// <summary>
    /// Reads the widths from a state dict with Beluga's keys and checks every key and shape against them.
    /// </summary>
    /// <param name="source">The file the state dict came from, for messages.</param>
    /// <exception cref="InputException">A key is missing or extra, or a shape does not fit (names key, expected, found).</exception>
    public static BelugaShape FromStateDict(IReadOnlyDictionary<string, TensorData> stateDict, string? source = null)
    {
        int Out(string key, int rank)
        {
            if (!stateDict.TryGetValue(key, out var t))
                throw new InputException(source, null, $"state dict has no '{key}': not a Beluga state dict (keys: {KeyList(stateDict)})");
            if (t.Shape.Length != rank || t.Shape[0] <= 0 || t.Shape[0] > int.MaxValue)
                throw new InputException(source, null, $"'{key}' has shape {t.ShapeText}, expected a rank-{rank} tensor with a positive first dimension");
            return (int)t.Shape[0];
        }

        var shape = new BelugaShape(
            Out(ConvKeys[0] + ".weight", 4), Out(ConvKeys[1] + ".weight", 4), Out(ConvKeys[2] + ".weight", 4),
            Out(ConvKeys[3] + ".weight", 4), Out(ConvKeys[4] + ".weight", 4), Out(ConvKeys[5] + ".weight", 4),
            Out(Fc1Key + ".weight", 2), Out(Fc2Key + ".weight", 2));
        shape.Check(stateDict, source);
        return shape;
    }

    /// <summary>Checks that <paramref name="stateDict"/> has exactly this shape's keys, each with its shape.</summary>
    /// <exception cref="InputException">Names the first offending key with expected and found shapes.</exception>
    public void Check(IReadOnlyDictionary<string, TensorData> stateDict, string? source = null)
    {
        var expected = ExpectedShapes();
        foreach (var (key, shape) in expected)
        {
            if (!stateDict.TryGetValue(key, out var t))
                throw new InputException(source, null, $"state dict has no '{key}' (expected shape {TensorData.FormatShape(shape)})");
            if (!t.Shape.SequenceEqual(shape))
            {
                string why = key == Fc1Key + ".weight" && t.Shape.Length == 2 && t.Shape[0] == Hidden
                    ? $" (in-features must be conv6 channels {Conv6} × {TrunkPositions} positions = {FlattenWidth})"
                    : "";
                throw new InputException(source, null, $"'{key}': expected shape {TensorData.FormatShape(shape)}, found {t.ShapeText}{why}");
            }
            if (t.Data.LongLength != t.ElementCount)
                throw new InputException(source, null, $"'{key}': shape {t.ShapeText} needs {t.ElementCount} values, found {t.Data.LongLength}");
        }
        var extra = stateDict.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        if (extra.Count > 0)
            throw new InputException(source, null, $"state dict has keys Beluga does not: {string.Join(", ", extra.Take(10).Select(k => "'" + k + "'"))}");
    }

    private static string KeyList(IReadOnlyDictionary<string, TensorData> stateDict) =>
        string.Join(", ", stateDict.Keys.Take(8)) + (stateDict.Count > 8 ? ", …" : "");
}
