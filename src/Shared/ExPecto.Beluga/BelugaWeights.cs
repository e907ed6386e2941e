using ExPecto.Beluga.Weights;

namespace ExPecto.Beluga;

/// <summary>Synthetic Beluga weights, for demos and tests where the published weights are not at hand.</summary>
public static class BelugaWeights
{
    /// <summary>
    /// A state dict with Beluga's keys for <paramref name="shape"/>, filled like PyTorch's default initialisation
    /// (uniform in ±1/√fan_in for weights and biases) from a fixed-seed generator: the same seed gives the same
    /// values on every machine. Not trained: outputs carry no biology.
    /// </summary>
    public static IReadOnlyDictionary<string, TensorData> Random(BelugaShape shape, ulong seed = 1)
    {
        var result = new OrderedDictionary<string, TensorData>();
        ulong state = seed;
        long fanIn = 0;
        foreach (var (key, dims) in shape.ExpectedShapes())
        {
            if (key.EndsWith(".weight", StringComparison.Ordinal)) fanIn = TensorData.Numel(dims) / dims[0];
            var data = new float[TensorData.Numel(dims)];
            float bound = (float)(1.0 / Math.Sqrt(fanIn));
            for (int i = 0; i < data.Length; i++)
            {
                // SplitMix64: fast, and enough for synthetic weights.
                ulong z = state += 0x9E3779B97F4A7C15UL;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                z ^= z >> 31;
                float unit = (z >> 40) * (1f / (1 << 24)); // [0, 1)
                data[i] = (2f * unit - 1f) * bound;
            }
            result[key] = new TensorData(dims, data);
        }
        return result;
    }
}
