using ExPecto.Core.Chromatin;
using ExPecto.Core.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>
/// fastISM-style exact engine. A session runs the conv trunk once over the whole region and its reverse complement
/// for all 16 pooling phases (<see cref="StrandTrunk"/>); REF fc1 pre-activations and probabilities are computed
/// once per window start from those activations. A point mutation then changes only a bounded span per layer
/// (a k = 8 convolution widens a changed range by 7 to the left; a pool maps [a, b] to [⌊a/4⌋, ⌊b/4⌋] of its
/// phase), so each layer is recomputed on that span alone, spliced into the reference activations, and fc1 is
/// updated as h = h_ref + W1[:, changed columns] · (new − ref conv6). Shifts s ≡ 0 (mod 16) share one phase and
/// s ≡ 8 (mod 16) the other, so each mutation updates the trunk for two phases per strand.
/// Agrees with <see cref="NaiveDeltaEngine"/> up to float rounding.
/// Not thread-safe: all torch work runs on the calling thread (TorchSharp scopes are per thread).
/// </summary>
public sealed class IncrementalDeltaEngine : IMutationDeltaEngine
{
    // Changed-span widths per level for one point mutation (see Update): the conv6 span is 20 columns wide.
    private const int K = IsmNetwork.Kernel - 1;
    private const int SpanA1 = 1 + K;                   // 8
    private const int SpanA2 = SpanA1 + K;              // 15
    private const int SpanP1 = (SpanA2 + 2) / 4 + 1;    // 5: most 4-groups a 15-wide range can touch
    private const int SpanA3 = SpanP1 + K;              // 12
    private const int SpanA4 = SpanA3 + K;              // 19
    private const int SpanP2 = (SpanA4 + 2) / 4 + 1;    // 6
    private const int SpanA5 = SpanP2 + K;              // 13
    private const int SpanA6 = SpanA5 + K;              // 20

    private readonly IsmNetwork _network;
    private readonly DeltaEngineOptions _options;

    /// <param name="stateDict">Beluga state dict (keys model.0.*, model.1.2.1.*, model.1.4.1.*); copied to the device.</param>
    public IncrementalDeltaEngine(IReadOnlyDictionary<string, Tensor> stateDict, DeltaEngineOptions? options = null)
    {
        _options = options ?? new DeltaEngineOptions();
        if (_options.MutationsPerBatch < 1) throw new ArgumentOutOfRangeException(nameof(options), "MutationsPerBatch must be at least 1");
        _network = new IsmNetwork(stateDict, _options.Device, IsmNetwork.Fc1Layout.ByColumn, _options.Precision);
    }

    public string Name => DeltaEngines.Incremental;

    public int FeatureCount => _network.FeatureCount;

    public IMutationDeltaSession Open(ReadOnlyMemory<byte> region) => new Session(this, region.ToArray());

    public void Dispose() => _network.Dispose();

    private sealed class Session : IMutationDeltaSession
    {
        private readonly IncrementalDeltaEngine _engine;
        private readonly int _length;
        // [0] forward strand, [1] reverse complement (rc[j] = complement(region[L − 1 − j])). Null when the region is
        // too short to hold any valid mutation.
        private readonly StrandTrunk[]? _strands;
        // Forward window start → row of the three caches: REF fc1 pre-activations per strand and fwd/rc mean probabilities.
        private readonly Dictionary<int, long> _refRow = [];
        private readonly RowCache _hiddenFwd;
        private readonly RowCache _hiddenRc;
        private readonly RowCache _refMean;

        public Session(IncrementalDeltaEngine engine, byte[] region)
        {
            _engine = engine;
            _length = region.Length;
            IsmNetwork net = engine._network;
            _hiddenFwd = new RowCache(net.Hidden, net.Device);
            _hiddenRc = new RowCache(net.Hidden, net.Device);
            _refMean = new RowCache(net.FeatureCount, net.Device);
            if (MutationBatch.MaxOffset(_length) < MutationBatch.MinOffset) return;

            var rc = new byte[_length];
            for (int j = 0; j < _length; j++) rc[j] = OneHot.Complement(region[_length - 1 - j]);
            using var inference = torch.inference_mode();
            using var precision = net.EnterPrecision();
            var fwdTrunk = new StrandTrunk(net, region);
            try
            {
                _strands = [fwdTrunk, new StrandTrunk(net, rc)];
            }
            catch
            {
                fwdTrunk.Dispose();
                throw;
            }
        }

        public void Compute(ReadOnlySpan<PointMutation> mutations, Span<float> deltas)
        {
            IsmNetwork net = _engine._network;
            int features = net.FeatureCount;
            MutationBatch.Validate(mutations, _length, deltas.Length, features);
            if (mutations.IsEmpty) return;
            using var precision = net.EnterPrecision();
            int shifts = MutationBatch.ShiftCount;
            int perBatch = _engine._options.MutationsPerBatch;
            for (int first = 0; first < mutations.Length; first += perBatch)
            {
                ReadOnlySpan<PointMutation> chunk = mutations.Slice(first, Math.Min(perBatch, mutations.Length - first));
                using var scope = torch.NewDisposeScope();
                using var inference = torch.inference_mode();
                EnsureReference(chunk);
                Tensor delta = ComputeChunk(chunk);
                MutationBatch.CopyOut(delta, deltas.Slice(first * shifts * features, chunk.Length * shifts * features));
            }
        }

        /// <summary>Δ for one chunk: [chunk × 9, F], shift-major within each mutation.</summary>
        private Tensor ComputeChunk(ReadOnlySpan<PointMutation> chunk)
        {
            IsmNetwork net = _engine._network;
            Device device = net.Device;
            int n = chunk.Length;
            int shifts = MutationBatch.ShiftCount;
            int c6 = net.Channels[5];
            int width = IsmNetwork.FinalWidth;

            // Per strand: mutation position, base channel and first phase (the other is 8 away).
            var spans = new (Tensor Delta, long[] Start, int[] Phase)[2];
            for (int strand = 0; strand < 2; strand++)
            {
                var position = new long[n];
                var channel = new int[n];
                var phase = new int[n];
                for (int b = 0; b < n; b++)
                {
                    int p = chunk[b].Offset;
                    int c = OneHot.Channel(chunk[b].Alt);
                    // The shift-0 window's phase; every other shift is a multiple of 8 bp away.
                    int start = MutationBatch.WindowStart(p, 0);
                    position[b] = strand == 0 ? p : _length - 1 - p;
                    channel[b] = strand == 0 ? c : OneHot.Channels - 1 - c;
                    phase[b] = Mod16(strand == 0 ? start : _length - MutationBatch.WindowLength - start);
                }
                spans[strand] = Update(_strands![strand], position, channel, phase);
            }

            // Entries e = (b·9 + k)·2 + strand, grouped by where the changed conv6 span falls in the window.
            int entries = n * shifts * 2;
            var groups = new Dictionary<(int Strand, long Relative), (List<long> Entry, List<long> Span)>();
            var refSlot = new long[n * shifts];
            for (int b = 0; b < n; b++)
            {
                for (int k = 0; k < shifts; k++)
                {
                    int start = MutationBatch.WindowStart(chunk[b].Offset, VariantShifts.All[k]);
                    refSlot[b * shifts + k] = _refRow[start];
                    for (int strand = 0; strand < 2; strand++)
                    {
                        int windowStart = strand == 0 ? start : _length - MutationBatch.WindowLength - start;
                        int phase = Mod16(windowStart);
                        long column = (windowStart - phase) / StrandTrunk.Phases;
                        (Tensor _, long[] spanStart, int[] spanPhase) = spans[strand];
                        int j = phase == spanPhase[b] ? b : b + n;
                        if (spanPhase[j] != phase) throw new InvalidOperationException("window phase matches neither updated phase");
                        var key = (strand, spanStart[j] - column);
                        if (!groups.TryGetValue(key, out var group))
                        {
                            group = ([], []);
                            groups[key] = group;
                        }
                        group.Entry.Add((b * shifts + k) * 2 + strand);
                        group.Span.Add(j);
                    }
                }
            }

            Tensor w1 = net.Fc1WeightByColumn!;
            Tensor hiddenDelta = torch.zeros([entries, net.Hidden], ScalarType.Float32, device);
            foreach (((int strand, long relative), (List<long> entry, List<long> span)) in groups)
            {
                // Changed columns outside the window's 0..105 do not reach fc1.
                long lo = Math.Max(relative, 0), hi = Math.Min(relative + SpanA6, width);
                if (hi <= lo) continue;
                Tensor d = spans[strand].Delta.index_select(0, MutationBatch.LongTensor([.. span], device))
                    .narrow(1, lo - relative, hi - lo).reshape(span.Count, (hi - lo) * c6);
                // Accumulated in float32 from here on (bf16: the product's own rounding is all that is lost).
                Tensor contribution = d.mm(w1.narrow(0, lo * c6, (hi - lo) * c6)).to(ScalarType.Float32);
                hiddenDelta.index_copy_(0, MutationBatch.LongTensor([.. entry], device), contribution);
            }

            Tensor slots = MutationBatch.LongTensor(refSlot, device);
            Tensor hiddenRef = torch.stack([_hiddenFwd.Select(slots), _hiddenRc.Select(slots)], 1).reshape(entries, net.Hidden);
            Tensor both = net.Head(hiddenRef + hiddenDelta).view(n * shifts, 2, net.FeatureCount);
            Tensor alt = (both.select(1, 0) + both.select(1, 1)) * 0.5f;
            return alt - _refMean.Select(slots);
        }

        /// <summary>
        /// Recomputes, for a batch of point mutations on one strand, the conv6 columns they can change at two
        /// phases each (phase[b] and phase[b] + 8). Returns Delta [2n, 20, C6] = new − REF conv6 (rows j &lt; n at
        /// phase[j], rows n + j at the other phase), the first changed conv6 column of each row in its phase's
        /// coordinates, and each row's phase.
        /// </summary>
        private (Tensor Delta, long[] Start, int[] Phase) Update(StrandTrunk trunk, long[] position, int[] channel, int[] phase)
        {
            IsmNetwork net = _engine._network;
            Device device = net.Device;
            int n = position.Length;
            var ones = new float[n * OneHot.Channels];
            for (int b = 0; b < n; b++) ones[b * OneHot.Channels + channel[b]] = 1f;
            Tensor alt = torch.tensor(ones, [n, OneHot.Channels, 1]).to(device);

            // Full resolution: A1 changes on [P − 7, P], A2 on [P − 14, P].
            var start = new long[n];
            var offset = new long[n];
            for (int b = 0; b < n; b++) (start[b], offset[b]) = (position[b] - K, K);
            Tensor a1 = net.Conv(0, Splice(trunk.X, start, SpanA1 + K, alt, offset));
            for (int b = 0; b < n; b++) start[b] = position[b] - 2 * K;
            Tensor a2 = net.Conv(1, Splice(trunk.A1, start, SpanA2 + K, a1, offset));

            // Pool 1 at p1 = phase mod 4 (shared by both phases): P1 changes on [k0, k0 + 4], k0 = ⌊(P − 14 − p1) / 4⌋.
            var k0 = new long[n];
            for (int b = 0; b < n; b++)
            {
                int sub = phase[b] % StrandTrunk.SubPhases;
                long lo = position[b] - 2 * K;
                k0[b] = (lo - sub) / IsmNetwork.Pool;
                start[b] = sub + IsmNetwork.Pool * k0[b];
                offset[b] = lo - start[b];
            }
            Tensor p1 = IsmNetwork.MaxPool(Splice(trunk.A2, start, IsmNetwork.Pool * SpanP1, a2, offset));
            for (int b = 0; b < n; b++)
            {
                int sub = phase[b] % StrandTrunk.SubPhases;
                start[b] = trunk.P1Offset[sub] + k0[b] - K;
                offset[b] = K;
            }
            Tensor a3 = net.Conv(2, Splice(trunk.P1, start, SpanA3 + K, p1, offset));
            for (int b = 0; b < n; b++)
            {
                int sub = phase[b] % StrandTrunk.SubPhases;
                start[b] = trunk.A3Offset[sub] + k0[b] - 2 * K;
            }
            Tensor a4 = net.Conv(3, Splice(trunk.A3, start, SpanA4 + K, a3, offset));

            // Pool 2 at q = φ / 4 for both phases: rows j < n at phase[j], rows n + j at phase[j] + 8.
            Tensor a4Both = torch.cat([a4, a4], 0);
            var phases = new int[2 * n];
            var k1 = new long[2 * n];
            var start2 = new long[2 * n];
            var offset2 = new long[2 * n];
            for (int j = 0; j < 2 * n; j++)
            {
                int b = j % n;
                int ph = j < n ? phase[b] : (phase[b] + StrandTrunk.Phases / 2) % StrandTrunk.Phases;
                int sub = ph % StrandTrunk.SubPhases, q = ph / StrandTrunk.SubPhases;
                long lo = k0[b] - 2 * K;
                phases[j] = ph;
                k1[j] = (lo - q) / IsmNetwork.Pool;
                long local = q + IsmNetwork.Pool * k1[j];
                start2[j] = trunk.A4Offset[sub] + local;
                offset2[j] = lo - local;
            }
            Tensor p2 = IsmNetwork.MaxPool(Splice(trunk.A4, start2, IsmNetwork.Pool * SpanP2, a4Both, offset2));
            for (int j = 0; j < 2 * n; j++)
            {
                start2[j] = trunk.P2Offset[phases[j]] + k1[j] - K;
                offset2[j] = K;
            }
            Tensor a5 = net.Conv(4, Splice(trunk.P2, start2, SpanA5 + K, p2, offset2));
            for (int j = 0; j < 2 * n; j++) start2[j] = trunk.A5Offset[phases[j]] + k1[j] - 2 * K;
            Tensor a6 = net.Conv(5, Splice(trunk.A5, start2, SpanA6 + K, a5, offset2));

            // New − REF conv6 over columns [k1 − 14, k1 + 5] of each row's phase, laid out [row, column, channel].
            var rows = new long[2 * n * SpanA6];
            var first = new long[2 * n];
            for (int j = 0; j < 2 * n; j++)
            {
                first[j] = k1[j] - 2 * K;
                for (int t = 0; t < SpanA6; t++) rows[j * SpanA6 + t] = trunk.A6Offset[phases[j]] + first[j] + t;
            }
            Tensor reference = trunk.A6Rows.index_select(0, MutationBatch.LongTensor(rows, device)).view(2 * n, SpanA6, -1);
            Tensor delta = a6.permute(0, 2, 1) - reference;
            return (delta.contiguous(), first, phases);
        }

        /// <summary>
        /// [n, C, width]: columns start[b] .. start[b] + width − 1 of <paramref name="reference"/> [C, N], with
        /// <paramref name="fresh"/> [n, C, w] written over columns offset[b] .. offset[b] + w − 1.
        /// </summary>
        private Tensor Splice(Tensor reference, long[] start, int width, Tensor fresh, long[] offset)
        {
            Device device = _engine._network.Device;
            int n = start.Length;
            long channels = reference.shape[0];
            long freshWidth = fresh.shape[2];
            var gather = new long[n * width];
            var scatter = new long[n * freshWidth];
            for (int b = 0; b < n; b++)
            {
                for (int t = 0; t < width; t++) gather[b * width + t] = start[b] + t;
                for (int t = 0; t < freshWidth; t++) scatter[b * freshWidth + t] = offset[b] + t;
            }
            Tensor spliced = reference.index_select(1, MutationBatch.LongTensor(gather, device))
                .view(channels, n, width).permute(1, 0, 2).contiguous();
            Tensor index = MutationBatch.LongTensor(scatter, device).view(n, 1, freshWidth).expand(n, channels, freshWidth);
            return spliced.scatter_(2, index, fresh);
        }

        /// <summary>REF fc1 pre-activations (both strands) and probabilities for window starts not seen before.</summary>
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
            IsmNetwork net = _engine._network;
            Tensor hiddenFwd = ReferenceHidden(_strands![0], missing.ToArray());
            Tensor hiddenRc = ReferenceHidden(_strands[1], missing.Select(w => _length - MutationBatch.WindowLength - w).ToArray());
            Tensor mean = (net.Head(hiddenFwd) + net.Head(hiddenRc)) * 0.5f;
            long next = _refMean.Append(mean);
            _hiddenFwd.Append(hiddenFwd);
            _hiddenRc.Append(hiddenRc);
            foreach (int start in missing) _refRow[start] = next++;
        }

        /// <summary>fc1 pre-activations [n, H] of the windows starting at <paramref name="starts"/> on one strand.</summary>
        private Tensor ReferenceHidden(StrandTrunk trunk, int[] starts)
        {
            IsmNetwork net = _engine._network;
            int width = IsmNetwork.FinalWidth;
            var rows = new long[starts.Length * width];
            for (int i = 0; i < starts.Length; i++)
            {
                int phase = Mod16(starts[i]);
                long first = trunk.A6Offset[phase] + (starts[i] - phase) / StrandTrunk.Phases;
                for (int t = 0; t < width; t++) rows[i * width + t] = first + t;
            }
            Tensor block = trunk.A6Rows.index_select(0, MutationBatch.LongTensor(rows, net.Device)).view(starts.Length, -1);
            return torch.nn.functional.linear(block, net.Fc1WeightByColumn!.t(), net.Fc1Bias);
        }

        private static int Mod16(int x) => ((x % StrandTrunk.Phases) + StrandTrunk.Phases) % StrandTrunk.Phases;

        public void Dispose()
        {
            if (_strands is not null)
            {
                foreach (StrandTrunk t in _strands) t.Dispose();
            }
            _hiddenFwd.Dispose();
            _hiddenRc.Dispose();
            _refMean.Dispose();
        }
    }
}
