using ExPecto.Beluga.Weights;

namespace ExPecto.Beluga;

/// <summary>Synthetic Beluga weights, for demos and tests where the published weights are not at hand.</summary>
public static class BelugaWeights
{
    private const int ChunkElements = 1 << 20;

    /// <summary>
    /// A state dict with Beluga's keys for <paramref name="shape"/>, filled like PyTorch's default initialisation
    /// (uniform in ±1/√fan_in for weights and biases) from a counter-based generator: the same seed gives the same
    /// values on every machine and thread count. Not trained: outputs carry no biology.
    /// </summary>
    public static IReadOnlyDictionary<string, TensorData> Random(BelugaShape shape, ulong seed = 1)
    {
        var result = new OrderedDictionary<string, TensorData>();
        long fanIn = 0;
        ulong tensorIndex = 0;
        foreach (var (key, dims) in shape.ExpectedShapes())
        {
            if (key.EndsWith(".weight", StringComparison.Ordinal)) fanIn = TensorData.Numel(dims) / dims[0];
            var data = new float[TensorData.Numel(dims)];
            float bound = (float)(1.0 / Math.Sqrt(fanIn));
            ulong tensorSeed = Mix(seed ^ Mix(++tensorIndex));
            int chunks = (data.Length + ChunkElements - 1) / ChunkElements;
            Parallel.For(0, chunks, c => Fill(data.AsSpan(c * ChunkElements, Math.Min(ChunkElements, data.Length - c * ChunkElements)), Mix(tensorSeed + (ulong)c), bound));
            result[key] = new TensorData(dims, data);
        }
        return result;
    }

    private static void Fill(Span<float> dest, ulong state, float bound)
    {
        state |= 1; // xorshift must not start at 0
        float scale = 2f * bound;
        for (int i = 0; i < dest.Length; i++)
        {
            // xorshift64*: upper 23 bits as the mantissa of a float in [1, 2).
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            uint bits = (uint)((state * 0x2545F4914F6CDD1DUL) >> 41);
            float unit = BitConverter.UInt32BitsToSingle(0x3F800000u | bits) - 1f;
            dest[i] = unit * scale - bound;
        }
    }

    /// <summary>SplitMix64's finaliser: spreads seeds so neighbouring chunks get unrelated streams.</summary>
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
