using ExPecto.Core.Chromatin;
using ExPecto.Core.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>
/// The reference engine: every ALT window (each shift, forward and reverse complement) goes through the whole
/// network. REF windows are computed once per session per distinct window start and shared by all mutations.
/// Not thread-safe: all torch work runs on the calling thread (TorchSharp scopes are per thread).
/// </summary>
public sealed class NaiveDeltaEngine : IMutationDeltaEngine
{
    /// <summary>
    /// Mutations per batch when <see cref="DeltaEngineOptions.MutationsPerBatch"/> is 0: 4 mutations are 72 full
    /// windows per forward pass (≈ 0.5 GB of activations at the full shape); its convolutions are large already, so
    /// bigger batches only cost memory.
    /// </summary>
    public const int DefaultMutationsPerBatch = 4;

    private readonly IsmNetwork _network;
    private readonly DeltaEngineOptions _options;

    /// <param name="stateDict">Beluga state dict (keys model.0.*, model.1.2.1.*, model.1.4.1.*); copied to the device.</param>
    public NaiveDeltaEngine(IReadOnlyDictionary<string, Tensor> stateDict, DeltaEngineOptions? options = null)
    {
        _options = options ?? new DeltaEngineOptions();
        if (_options.MutationsPerBatch < 0) throw new ArgumentOutOfRangeException(nameof(options), "MutationsPerBatch must be at least 1 (or 0 for the device default)");
        _network = new IsmNetwork(stateDict, _options.Device, IsmNetwork.Fc1Layout.PyTorch, _options.Precision);
    }

    public string Name => DeltaEngines.Naive;

    /// <summary>
    /// Floating-point operations (multiply + add = 2) per mutation: 18 full windows (9 shifts × 2 strands) through
    /// conv1–6 (output widths 1993, 1986, 489, 482, 113, 106), fc1 and fc2; REF windows are shared and not counted.
    /// </summary>
    /// <param name="channels">Output channels of conv1..conv6.</param>
    public static double FlopsPerMutation(IReadOnlyList<int> channels, int hidden, int features)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(channels.Count, 6, nameof(channels));
        int[] widths = [1993, 1986, 489, 482, 113, IsmNetwork.FinalWidth];
        double window = 0;
        for (int i = 0; i < 6; i++)
            window += 2.0 * widths[i] * channels[i] * (i == 0 ? OneHot.Channels : channels[i - 1]) * IsmNetwork.Kernel;
        window += 2.0 * IsmNetwork.FinalWidth * channels[5] * hidden + 2.0 * hidden * features;
        return MutationBatch.ShiftCount * 2 * window;
    }

    public int FeatureCount => _network.FeatureCount;

    public IMutationDeltaSession Open(ReadOnlyMemory<byte> region) => new Session(this, region.ToArray());

    public void Dispose() => _network.Dispose();

    private sealed class Session : IMutationDeltaSession
    {
        private readonly NaiveDeltaEngine _engine;
        private readonly byte[] _region;
        // Window start → row of _refMean (fwd/rc mean REF probabilities [rows, F]).
        private readonly Dictionary<int, long> _refRow = [];
        private readonly RowCache _refMean;

        public Session(NaiveDeltaEngine engine, byte[] region)
        {
            _engine = engine;
            _region = region;
            _refMean = new RowCache(engine._network.FeatureCount, engine._network.Device);
        }

        public void Compute(ReadOnlySpan<PointMutation> mutations, Span<float> deltas)
        {
            IsmNetwork net = _engine._network;
            int features = net.FeatureCount;
            MutationBatch.Validate(mutations, _region.Length, deltas.Length, features);
            using var precision = net.EnterPrecision();
            int shifts = MutationBatch.ShiftCount;
            int perBatch = _engine._options.MutationsPerBatch > 0 ? _engine._options.MutationsPerBatch : DefaultMutationsPerBatch;
            for (int first = 0; first < mutations.Length; first += perBatch)
            {
                ReadOnlySpan<PointMutation> chunk = mutations.Slice(first, Math.Min(perBatch, mutations.Length - first));
                using var scope = torch.NewDisposeScope();
                using var inference = torch.inference_mode();
                EnsureReference(chunk);

                int windows = chunk.Length * shifts;
                var starts = new int[windows];
                var window = new byte[MutationBatch.WindowLength];
                var oneHot = new float[windows * OneHot.Channels * MutationBatch.WindowLength];
                for (int i = 0; i < chunk.Length; i++)
                {
                    for (int k = 0; k < shifts; k++)
                    {
                        int s = VariantShifts.All[k];
                        int start = MutationBatch.WindowStart(chunk[i].Offset, s);
                        starts[i * shifts + k] = start;
                        _region.AsSpan(start, MutationBatch.WindowLength).CopyTo(window);
                        window[MutationBatch.Centre - s] = chunk[i].Alt;
                        OneHot.Encode(window, oneHot.AsSpan((i * shifts + k) * OneHot.Channels * MutationBatch.WindowLength));
                    }
                }
                Tensor alt = Predict(oneHot, windows);
                Tensor refRows = MutationBatch.LongTensor(starts.Select(w => _refRow[w]).ToArray(), net.Device);
                Tensor delta = alt - _refMean.Select(refRows);
                MutationBatch.CopyOut(delta, deltas.Slice(first * shifts * features, windows * features));
            }
        }

        /// <summary>Fwd/rc mean probabilities [count, F] of one-hot windows laid out [count, 4, 2000].</summary>
        private Tensor Predict(float[] oneHot, int count)
        {
            IsmNetwork net = _engine._network;
            Tensor fwd = torch.tensor(oneHot, [count, OneHot.Channels, MutationBatch.WindowLength]).to(net.Device);
            // Reverse complement = reverse both axes of the A,G,C,T one-hot.
            Tensor both = torch.cat([fwd, fwd.flip(1, 2)], 0);
            Tensor p = net.Forward(both);
            return (p.narrow(0, 0, count) + p.narrow(0, count, count)) * 0.5f;
        }

        /// <summary>Computes REF rows for window starts of <paramref name="chunk"/> not seen before in this session.</summary>
        private void EnsureReference(ReadOnlySpan<PointMutation> chunk)
        {
            var missing = new List<int>();
            var seen = new HashSet<int>();
            foreach (PointMutation m in chunk)
            {
                foreach (int s in VariantShifts.All)
                {
                    int start = MutationBatch.WindowStart(m.Offset, s);
                    if (!_refRow.ContainsKey(start) && seen.Add(start)) missing.Add(start);
                }
            }
            if (missing.Count == 0) return;
            int stride = OneHot.Channels * MutationBatch.WindowLength;
            var oneHot = new float[missing.Count * stride];
            for (int i = 0; i < missing.Count; i++)
                OneHot.Encode(_region.AsSpan(missing[i], MutationBatch.WindowLength), oneHot.AsSpan(i * stride, stride));
            long next = _refMean.Append(Predict(oneHot, missing.Count));
            foreach (int start in missing) _refRow[start] = next++;
        }

        public void Dispose() => _refMean.Dispose();
    }
}
