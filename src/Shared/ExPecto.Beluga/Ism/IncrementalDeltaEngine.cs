using ExPecto.Core.Chromatin;
using ExPecto.Core.Transforms;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Ism;

/// <summary>
/// fastISM-style exact engine. A session runs the conv trunk once over the whole region and its reverse complement
/// for all 16 pooling phases (<see cref="RegionTrunk"/>); REF fc1 pre-activations and probabilities are computed
/// once per window start from those activations. A point mutation then changes only a bounded span per layer
/// (a k = 8 convolution widens a changed range by 7 to the left; a pool maps [a, b] to [⌊a/4⌋, ⌊b/4⌋] of its
/// phase), so each layer is recomputed on that span alone, spliced into the reference activations, and fc1 is
/// updated as h = h_ref + W1[:, changed columns] · (new − ref conv6). Shifts s ≡ 0 (mod 16) share one phase and
/// s ≡ 8 (mod 16) the other, so each mutation updates the trunk for two phases per strand. Both strands of a batch
/// go through each layer as one batch, and the fc1 update runs one GEMM per fc1 column (W1 is read once per batch;
/// see bench/README.md for why this formulation).
/// Agrees with <see cref="NaiveDeltaEngine"/> up to float rounding.
/// On a CPU with <see cref="DeltaEngineOptions.Threads"/> ≥ 2, the batches of one call run that many at a time on the
/// engine's own single-threaded workers (<see cref="SingleThreadedTorchWorkers"/>), and the session's trunk and REF
/// rows are computed on worker 0 between rounds (the workers only read them): the deltas are those of a
/// single-threaded engine, bit for bit. Not thread-safe: one caller at a time per engine.
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

    // Update rows (mutation × strand) per conv tile and mutations per head tile: sized so that a tile's activations
    // fit in a CPU's L2/L3 (measured in bench/README.md); results do not depend on them.
    private const int UpdateTileRows = 128;
    private const int HeadTileMutations = 32;

    // REF first pass: a window chunk (SpectralFc1.Step windows of one strand and phase) goes through the FFT path
    // once this many of its windows have been asked for, together with the same chunk of the strand's other 15
    // phases (a saturation run reaches them at the same time). Before that, and for sparse requests (predict-variants'
    // lone SNVs), windows take one direct GEMM row each: an FFT call costs ≈ 5 rows per chunk plus a read of the spectrum.
    private const int SpectralAfterWindows = 8;

    private readonly IsmNetwork _network;
    private readonly DeltaEngineOptions _options;
    private SpectralFc1? _spectral;
    private SingleThreadedTorchWorkers? _workers;

    /// <param name="stateDict">Beluga state dict (keys model.0.*, model.1.2.1.*, model.1.4.1.*); copied to the device.</param>
    public IncrementalDeltaEngine(IReadOnlyDictionary<string, Tensor> stateDict, DeltaEngineOptions? options = null)
    {
        _options = options ?? new DeltaEngineOptions();
        if (_options.MutationsPerBatch < 0) throw new ArgumentOutOfRangeException(nameof(options), "MutationsPerBatch must be at least 1 (or 0 for the device default)");
        if (_options.Threads < 0) throw new ArgumentOutOfRangeException(nameof(options), "Threads must be at least 1 (or 0 for libtorch's thread count)");
        _network = new IsmNetwork(stateDict, _options.Device, IsmNetwork.Fc1Layout.ByColumn, _options.Precision);
        ConcurrentBatches = _network.Device.type != DeviceType.CPU ? 1
            : _options.Threads > 0 ? _options.Threads
            // libtorch's default counts the host's cores; .NET's honours a container's CPU limit.
            : Math.Clamp(torch.get_num_threads(), 1, Environment.ProcessorCount);
    }

    /// <summary>Batches run at once per call: <see cref="DeltaEngineOptions.Threads"/> resolved on a CPU, 1 on CUDA.</summary>
    public int ConcurrentBatches { get; }

    /// <summary>Batches computed on the worker threads so far (the rest ran on the calling thread).</summary>
    public long WorkerBatches { get; private set; }

    private SingleThreadedTorchWorkers Workers => _workers ??= new SingleThreadedTorchWorkers(ConcurrentBatches, "expecto ism");

    // With workers, a session's other torch work (its trunk, REF rows) runs on worker 0: every value is then computed
    // by a single-threaded libtorch, so the deltas are the same bit for bit whatever the thread count.
    private void OnComputeThread(Action action)
    {
        if (ConcurrentBatches == 1) action();
        else Workers.Run([action]);
    }

    public string Name => DeltaEngines.Incremental;

    /// <summary>
    /// Floating-point operations (multiply + add = 2) this engine spends per mutation, counted from its spans: per
    /// strand conv1–4 over 8/15/12/19 output columns and conv5–6 over 13/20 columns at both pool-2 phases; fc1 for
    /// each of the 18 (shift, strand) windows over the changed conv6 columns that fall inside it (166 per strand of
    /// the 180 possible, whatever the channel widths); fc2 for the 18 windows. Padding (H, F to multiples of 64) and
    /// the REF windows (once per window start, not per mutation) are not counted.
    /// </summary>
    /// <param name="channels">Output channels of conv1..conv6.</param>
    public static double FlopsPerMutation(IReadOnlyList<int> channels, int hidden, int features)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(channels.Count, 6, nameof(channels));
        int[] spans = [SpanA1, SpanA2, SpanA3, SpanA4, SpanA5, SpanA6];
        int[] phases = [1, 1, 1, 1, 2, 2];
        double conv = 0;
        for (int i = 0; i < 6; i++)
            conv += 2.0 * phases[i] * spans[i] * channels[i] * (i == 0 ? OneHot.Channels : channels[i - 1]) * IsmNetwork.Kernel;
        long pairs = 0;
        foreach (int s in VariantShifts.All)
        {
            // Window index of the mutation: forward 999 − s, reverse complement 1999 − (999 − s).
            foreach (int index in new[] { MutationBatch.Centre - s, MutationBatch.WindowLength - 1 - (MutationBatch.Centre - s) })
            {
                int relative = FirstChangedColumn(index);
                pairs += Math.Max(0, Math.Min(relative + SpanA6, IsmNetwork.FinalWidth) - Math.Max(relative, 0));
            }
        }
        double fc1 = 2.0 * pairs * channels[5] * hidden;
        double fc2 = 2.0 * MutationBatch.ShiftCount * RegionTrunk.Strands * hidden * features;
        return RegionTrunk.Strands * conv + fc1 + fc2;
    }

    // First conv6 column (window coordinates, may be negative) a mutation at window index i changes: the span
    // arithmetic of Update, which does not depend on the phase.
    private static int FirstChangedColumn(int i) =>
        FloorDiv(FloorDiv(i - 2 * K, IsmNetwork.Pool) - 2 * K, IsmNetwork.Pool) - 2 * K;

    private static int FloorDiv(int a, int b) => (int)Math.Floor((double)a / b);

    public int FeatureCount => _network.FeatureCount;

    public IMutationDeltaSession Open(ReadOnlyMemory<byte> region) => new Session(this, region.ToArray(), null);

    /// <summary>
    /// A session whose trunk holds only the pooling phases that mutations at <paramref name="offsets"/> use (2 per
    /// strand for a lone SNV: ≈ 4× less trunk arithmetic, predict-variants' regions); it refuses other offsets unless
    /// their phases happen to be there.
    /// </summary>
    public IMutationDeltaSession Open(ReadOnlyMemory<byte> region, ReadOnlySpan<int> offsets) => new Session(this, region.ToArray(), offsets.ToArray());

    public void Dispose()
    {
        _workers?.Dispose();
        _spectral?.Dispose();
        _network.Dispose();
    }

    private SpectralFc1 Spectral => _spectral ??= new SpectralFc1(_network);

    /// <summary>fc1 column products (one per changed window column and batch) that ran through oneDNN (<see cref="CpuGemm"/>).</summary>
    public long OneDnnFc1Columns => _network.OneDnnFc1Columns;

    /// <summary>REF window chunks computed on the FFT path so far, over all sessions (the bench reports it).</summary>
    public long SpectralChunks { get; private set; }

    private sealed class Session : IMutationDeltaSession
    {
        private readonly IncrementalDeltaEngine _engine;
        private readonly int _length;
        // Forward strand and reverse complement (rc[j] = complement(region[L − 1 − j])) in one trunk. Null when the
        // region is too short to hold any valid mutation.
        private readonly RegionTrunk? _trunk;
        // Forward window start → row of the two caches: REF fc1 pre-activations [fwd | rc] and fwd/rc mean probabilities.
        private readonly Dictionary<int, long> _refRow = [];
        private readonly RowCache _hidden;
        private readonly RowCache _refMean;
        // REF fc1 rows from the FFT path: (conv6 block = strand · 16 + phase, chunk) → its first row in _chunkRows.
        private readonly Dictionary<(int Block, int Chunk), long> _chunkRow = [];
        // Windows asked for so far, per chunk not yet on the FFT path.
        private readonly Dictionary<(int Block, int Chunk), int> _chunkDemand = [];
        private readonly RowCache _chunkRows;
        // Per-worker output buffers of ComputeRound (one batch of deltas each), allocated on first use.
        private float[][]? _outputs;

        public Session(IncrementalDeltaEngine engine, byte[] region, int[]? offsets)
        {
            _engine = engine;
            _length = region.Length;
            IsmNetwork net = engine._network;
            _hidden = new RowCache(RegionTrunk.Strands * net.PaddedHidden, net.Device);
            _refMean = new RowCache(net.FeatureCount, net.Device);
            _chunkRows = new RowCache(net.PaddedHidden, net.Device);
            if (MutationBatch.MaxOffset(_length) < MutationBatch.MinOffset) return;

            var rc = new byte[_length];
            for (int j = 0; j < _length; j++) rc[j] = OneHot.Complement(region[_length - 1 - j]);
            bool[]? phases = null;
            if (offsets is not null)
            {
                int lo = MutationBatch.MinOffset, hi = MutationBatch.MaxOffset(_length);
                phases = new bool[RegionTrunk.Strands * RegionTrunk.Phases];
                foreach (int o in offsets)
                {
                    if (o < lo || o > hi)
                        throw new ArgumentOutOfRangeException(nameof(offsets), $"offset {o}: every shifted window must lie inside the {_length} bp region, so offsets must lie in [{lo}, {hi}]");
                    for (int strand = 0; strand < RegionTrunk.Strands; strand++)
                    {
                        int ph = PhaseOf(o, strand);
                        phases[strand * RegionTrunk.Phases + ph] = phases[strand * RegionTrunk.Phases + (ph + 8) % RegionTrunk.Phases] = true;
                    }
                }
            }
            RegionTrunk? trunk = null;
            engine.OnComputeThread(() =>
            {
                using var inference = torch.inference_mode();
                using var precision = net.EnterPrecision();
                trunk = new RegionTrunk(net, region, rc, phases);
            });
            _trunk = trunk;
        }

        public void Compute(ReadOnlySpan<PointMutation> mutations, Span<float> deltas)
        {
            IsmNetwork net = _engine._network;
            int features = net.FeatureCount;
            MutationBatch.Validate(mutations, _length, deltas.Length, features);
            if (mutations.IsEmpty) return;
            if (_trunk?.Computed is not null)
                for (int i = 0; i < mutations.Length; i++) CheckPhases(mutations[i].Offset, $"mutation {i}");
            using var precision = net.EnterPrecision();
            int stride = MutationBatch.ShiftCount * features;
            int perBatch = _engine._options.ResolvedMutationsPerBatch;
            int perRound = perBatch * _engine.ConcurrentBatches;
            for (int first = 0; first < mutations.Length; first += perRound)
            {
                ReadOnlySpan<PointMutation> round = mutations.Slice(first, Math.Min(perRound, mutations.Length - first));
                Span<float> dest = deltas.Slice(first * stride, round.Length * stride);
                // With workers, every batch runs on one (a lone batch too), so that no delta depends on the calling
                // thread's libtorch thread count.
                if (_engine.ConcurrentBatches == 1)
                {
                    using var scope = torch.NewDisposeScope();
                    using var inference = torch.inference_mode();
                    EnsureReference(round);
                    ComputeChunk(round, dest);
                }
                else
                {
                    ComputeRound(round, dest, perBatch);
                }
            }
        }

        /// <summary>
        /// Batches of <paramref name="perBatch"/> mutations (the same split as one thread makes), one per worker.
        /// Their REF windows are added first, batch by batch as one thread would, so the workers only read the caches.
        /// </summary>
        private void ComputeRound(ReadOnlySpan<PointMutation> round, Span<float> dest, int perBatch)
        {
            int stride = MutationBatch.ShiftCount * _engine._network.FeatureCount;
            int batches = (round.Length + perBatch - 1) / perBatch;
            var parts = new PointMutation[batches][];
            for (int b = 0; b < batches; b++)
                parts[b] = round.Slice(b * perBatch, Math.Min(perBatch, round.Length - b * perBatch)).ToArray();
            _engine.OnComputeThread(() =>
            {
                using var scope = torch.NewDisposeScope();
                using var inference = torch.inference_mode();
                foreach (PointMutation[] part in parts) EnsureReference(part);
            });
            _outputs ??= new float[_engine.ConcurrentBatches][];
            var work = new Action[batches];
            for (int b = 0; b < batches; b++)
            {
                PointMutation[] part = parts[b];
                float[] output = _outputs[b] ??= new float[perBatch * stride];
                work[b] = () =>
                {
                    using var scope = torch.NewDisposeScope();
                    using var inference = torch.inference_mode();
                    ComputeChunk(part, output.AsSpan(0, part.Length * stride));
                };
            }
            _engine.Workers.Run(work);
            for (int b = 0; b < batches; b++)
            {
                int n = Math.Min(perBatch, round.Length - b * perBatch);
                _outputs[b].AsSpan(0, n * stride).CopyTo(dest.Slice(b * perBatch * stride));
            }
            _engine.WorkerBatches += batches;
        }

        /// <summary>Δ for one chunk into <paramref name="dest"/> ([chunk × 9, F], shift-major within each mutation).</summary>
        // Host loops run once per batch: optimised from the first call (tier-0 code is several times slower).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ComputeChunk(ReadOnlySpan<PointMutation> chunk, Span<float> dest)
        {
            IsmNetwork net = _engine._network;
            Device device = net.Device;
            int n = chunk.Length;
            int shifts = MutationBatch.ShiftCount;
            int c6 = net.Channels[5];
            int width = IsmNetwork.FinalWidth;

            // Update rows r = 2b + strand: mutation position, base channel and first phase (the other is 8 away) in
            // that strand's coordinates.
            int m = RegionTrunk.Strands * n;
            var rowStrand = new int[m];
            var position = new long[m];
            var channel = new int[m];
            var phase = new int[m];
            for (int b = 0; b < n; b++)
            {
                for (int strand = 0; strand < RegionTrunk.Strands; strand++)
                {
                    int r = RegionTrunk.Strands * b + strand;
                    int p = chunk[b].Offset;
                    int c = OneHot.Channel(chunk[b].Alt);
                    // The shift-0 window's phase; every other shift is a multiple of 8 bp away.
                    int start = MutationBatch.WindowStart(p, 0);
                    rowStrand[r] = strand;
                    position[r] = strand == 0 ? p : _length - 1 - p;
                    channel[r] = strand == 0 ? c : OneHot.Channels - 1 - c;
                    phase[r] = Mod16(strand == 0 ? start : _length - MutationBatch.WindowLength - start);
                }
            }
            // The conv update runs in tiles of rows so that its activations stay in cache; span rows of tile
            // [r0, r0 + t) are 2·r0 + i (first phase) and 2·r0 + t + i (other phase).
            var spanStart = new long[2 * m];
            var spanPhase = new int[2 * m];
            var tiles = new List<Tensor>();
            for (int r0 = 0; r0 < m; r0 += UpdateTileRows)
            {
                int t = Math.Min(UpdateTileRows, m - r0);
                (Tensor d, long[] st, int[] ph) = Update(rowStrand[r0..(r0 + t)], position[r0..(r0 + t)], channel[r0..(r0 + t)], phase[r0..(r0 + t)]);
                tiles.Add(d);
                Array.Copy(st, 0, spanStart, 2 * r0, 2 * t);
                Array.Copy(ph, 0, spanPhase, 2 * r0, 2 * t);
            }
            Tensor spanDelta = tiles.Count == 1 ? tiles[0] : torch.cat(tiles, 0);

            // fc1 entries e = (b·9 + k)·2 + strand. Each changed conv6 column t of an entry's span that falls inside
            // its window (at window column c) is one pair; pairs are bucketed by c so that each W1 column block
            // [C6, H] is read once for the whole batch.
            int entries = n * shifts * 2;
            var refSlot = new long[n * shifts];
            var pairColumn = new int[entries * SpanA6];
            var pairEntry = new long[entries * SpanA6];
            var pairSource = new long[entries * SpanA6];
            var perColumn = new int[width + 1];
            int pairs = 0;
            for (int b = 0; b < n; b++)
            {
                for (int k = 0; k < shifts; k++)
                {
                    int start = MutationBatch.WindowStart(chunk[b].Offset, VariantShifts.All[k]);
                    refSlot[b * shifts + k] = _refRow[start];
                    for (int strand = 0; strand < RegionTrunk.Strands; strand++)
                    {
                        int windowStart = strand == 0 ? start : _length - MutationBatch.WindowLength - start;
                        int ph = Mod16(windowStart);
                        long column = (windowStart - ph) / RegionTrunk.Phases;
                        int r = RegionTrunk.Strands * b + strand;
                        int r0 = r / UpdateTileRows * UpdateTileRows, tile = Math.Min(UpdateTileRows, m - r0);
                        int j = 2 * r0 + (r - r0) + (ph == spanPhase[2 * r0 + (r - r0)] ? 0 : tile);
                        if (spanPhase[j] != ph) throw new InvalidOperationException("window phase matches neither updated phase");
                        long relative = spanStart[j] - column;
                        int entry = (b * shifts + k) * 2 + strand;
                        for (int t = 0; t < SpanA6; t++)
                        {
                            // Changed columns outside the window's 0..105 do not reach fc1.
                            long c = relative + t;
                            if (c < 0 || c >= width) continue;
                            pairColumn[pairs] = (int)c;
                            pairEntry[pairs] = entry;
                            pairSource[pairs] = (long)j * SpanA6 + t;
                            perColumn[c + 1]++;
                            pairs++;
                        }
                    }
                }
            }
            // Counting sort by column: pairs of column c occupy [perColumn[c], perColumn[c + 1]).
            for (int c = 0; c < width; c++) perColumn[c + 1] += perColumn[c];
            var fill = (int[])perColumn.Clone();
            var sortedEntry = new long[pairs];
            var sortedSource = new long[pairs];
            for (int i = 0; i < pairs; i++)
            {
                int at = fill[pairColumn[i]]++;
                sortedEntry[at] = pairEntry[i];
                sortedSource[at] = pairSource[i];
            }

            int hidden = net.PaddedHidden;
            Tensor gathered = spanDelta.view(-1, c6).index_select(0, MutationBatch.LongTensor(sortedSource, device));
            Tensor entryIndex = MutationBatch.LongTensor(sortedEntry, device);
            Tensor slots = MutationBatch.LongTensor(refSlot, device);
            // h = h_ref + Σ_c (new − ref conv6 column) · W1 block c, accumulated into a copy of h_ref.
            Tensor h = _hidden.Select(slots).view(entries, hidden);
            for (int c = 0; c < width; c++)
            {
                int count = perColumn[c + 1] - perColumn[c];
                if (count == 0) continue;
                // Accumulated in float32 from here on (bf16: the product's own rounding is all that is lost).
                Tensor product = net.Fc1ColumnProduct(gathered.narrow(0, perColumn[c], count), c).to(ScalarType.Float32);
                h.index_add_(0, entryIndex.narrow(0, perColumn[c], count), product, 1);
            }

            // Head in tiles of mutations (its [rows, F'] intermediates stay in cache), written straight to dest.
            int features = net.FeatureCount;
            Tensor refMean = _refMean.Select(slots);
            for (int b0 = 0; b0 < n; b0 += HeadTileMutations)
            {
                int t = Math.Min(HeadTileMutations, n - b0);
                Tensor both = net.PaddedHead(h.narrow(0, b0 * shifts * 2, t * shifts * 2)).view(t * shifts, 2, -1);
                Tensor delta = (both.select(1, 0) + both.select(1, 1)).mul_(0.5f).narrow(1, 0, features)
                    .sub_(refMean.narrow(0, b0 * shifts, t * shifts));
                MutationBatch.CopyOut(delta, dest.Slice(b0 * shifts * features, t * shifts * features));
            }
        }

        /// <summary>
        /// Recomputes, for a batch of m point-mutation rows (each on one strand), the conv6 columns they can change at
        /// two phases each (phase[r] and phase[r] + 8). Returns Delta [2m, 20, C6] = new − REF conv6 (rows j &lt; m at
        /// phase[j], rows m + j at the other phase), the first changed conv6 column of each row in its phase's
        /// coordinates, and each row's phase.
        /// </summary>
        // Host loops run once per batch: optimised from the first call (tier-0 code is several times slower).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private (Tensor Delta, long[] Start, int[] Phase) Update(int[] strand, long[] position, int[] channel, int[] phase)
        {
            IsmNetwork net = _engine._network;
            RegionTrunk trunk = _trunk!;
            Device device = net.Device;
            int m = position.Length;
            var ones = new float[m * OneHot.Channels];
            for (int r = 0; r < m; r++) ones[r * OneHot.Channels + channel[r]] = 1f;
            Tensor alt = torch.tensor(ones, [m, OneHot.Channels, 1]).to(device);

            // Full resolution: A1 changes on [P − 7, P], A2 on [P − 14, P].
            var start = new long[m];
            var offset = new long[m];
            for (int r = 0; r < m; r++) (start[r], offset[r]) = (trunk.X.Offset(strand[r], 0) + position[r] - K, K);
            Tensor a1 = net.Conv(0, Splice(trunk.X, start, SpanA1 + K, alt, offset));
            for (int r = 0; r < m; r++) start[r] = trunk.A1.Offset(strand[r], 0) + position[r] - 2 * K;
            Tensor a2 = net.Conv(1, Splice(trunk.A1, start, SpanA2 + K, a1, offset));

            // Pool 1 at p1 = phase mod 4 (shared by both phases): P1 changes on [k0, k0 + 4], k0 = ⌊(P − 14 − p1) / 4⌋.
            var k0 = new long[m];
            for (int r = 0; r < m; r++)
            {
                int sub = phase[r] % RegionTrunk.SubPhases;
                long lo = position[r] - 2 * K;
                k0[r] = (lo - sub) / IsmNetwork.Pool;
                long local = sub + IsmNetwork.Pool * k0[r];
                start[r] = trunk.A2.Offset(strand[r], 0) + local;
                offset[r] = lo - local;
            }
            Tensor p1 = IsmNetwork.MaxPool(Splice(trunk.A2, start, IsmNetwork.Pool * SpanP1, a2, offset));
            for (int r = 0; r < m; r++)
            {
                int sub = phase[r] % RegionTrunk.SubPhases;
                start[r] = trunk.P1.Offset(strand[r], sub) + k0[r] - K;
                offset[r] = K;
            }
            Tensor a3 = net.Conv(2, Splice(trunk.P1, start, SpanA3 + K, p1, offset));
            for (int r = 0; r < m; r++) start[r] = trunk.A3.Offset(strand[r], phase[r] % RegionTrunk.SubPhases) + k0[r] - 2 * K;
            Tensor a4 = net.Conv(3, Splice(trunk.A3, start, SpanA4 + K, a3, offset));

            // Pool 2 at q = φ / 4 for both phases: rows j < m at phase[j], rows m + j at phase[j] + 8.
            Tensor a4Both = torch.cat([a4, a4], 0);
            var phases = new int[2 * m];
            var k1 = new long[2 * m];
            var start2 = new long[2 * m];
            var offset2 = new long[2 * m];
            for (int j = 0; j < 2 * m; j++)
            {
                int r = j % m;
                int ph = j < m ? phase[r] : (phase[r] + RegionTrunk.Phases / 2) % RegionTrunk.Phases;
                int sub = ph % RegionTrunk.SubPhases, q = ph / RegionTrunk.SubPhases;
                long lo = k0[r] - 2 * K;
                phases[j] = ph;
                k1[j] = (lo - q) / IsmNetwork.Pool;
                long local = q + IsmNetwork.Pool * k1[j];
                start2[j] = trunk.A4.Offset(strand[r], sub) + local;
                offset2[j] = lo - local;
            }
            Tensor p2 = IsmNetwork.MaxPool(Splice(trunk.A4, start2, IsmNetwork.Pool * SpanP2, a4Both, offset2));
            for (int j = 0; j < 2 * m; j++)
            {
                start2[j] = trunk.P2.Offset(strand[j % m], phases[j]) + k1[j] - K;
                offset2[j] = K;
            }
            Tensor a5 = net.Conv(4, Splice(trunk.P2, start2, SpanA5 + K, p2, offset2));
            for (int j = 0; j < 2 * m; j++) start2[j] = trunk.A5.Offset(strand[j % m], phases[j]) + k1[j] - 2 * K;
            Tensor a6 = net.Conv(5, Splice(trunk.A5, start2, SpanA6 + K, a5, offset2));

            // New − REF conv6 over columns [k1 − 14, k1 + 5] of each row's phase, laid out [row, column, channel].
            var rows = new long[2 * m * SpanA6];
            var first = new long[2 * m];
            for (int j = 0; j < 2 * m; j++)
            {
                first[j] = k1[j] - 2 * K;
                long at = trunk.A6Offsets.Offset(strand[j % m], phases[j]) + first[j];
                for (int t = 0; t < SpanA6; t++) rows[j * SpanA6 + t] = at + t;
            }
            Tensor reference = trunk.A6Rows.index_select(0, MutationBatch.LongTensor(rows, device)).view(2 * m, SpanA6, -1);
            Tensor delta = a6.permute(0, 2, 1) - reference;
            return (delta.contiguous(), first, phases);
        }

        /// <summary>
        /// [n, C, width]: columns start[b] .. start[b] + width − 1 of <paramref name="reference"/> [C, N], with
        /// <paramref name="fresh"/> [n, C, w] written over columns offset[b] .. offset[b] + w − 1.
        /// </summary>
        // Host loops run once per batch: optimised from the first call (tier-0 code is several times slower).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private Tensor Splice(RegionTrunk.Level reference, long[] start, int width, Tensor fresh, long[] offset)
        {
            Device device = _engine._network.Device;
            int n = start.Length;
            long channels = reference.Values.shape[0];
            long freshWidth = fresh.shape[2];
            var gather = new long[n * width];
            var scatter = new long[n * freshWidth];
            for (int b = 0; b < n; b++)
            {
                for (int t = 0; t < width; t++) gather[b * width + t] = start[b] + t;
                for (int t = 0; t < freshWidth; t++) scatter[b * freshWidth + t] = offset[b] + t;
            }
            Tensor spliced = reference.Values.index_select(1, MutationBatch.LongTensor(gather, device))
                .view(channels, n, width).permute(1, 0, 2).contiguous();
            Tensor index = MutationBatch.LongTensor(scatter, device).view(n, 1, freshWidth).expand(n, channels, freshWidth);
            return spliced.scatter_(2, index, fresh);
        }

        public void PrepareReference(int firstOffset, int lastOffset)
        {
            int lo = MutationBatch.MinOffset, hi = MutationBatch.MaxOffset(_length);
            if (firstOffset < lo || lastOffset > hi)
                throw new ArgumentOutOfRangeException(nameof(firstOffset), $"offsets [{firstOffset}, {lastOffset}]: every shifted window must lie inside the {_length} bp region, so offsets must lie in [{lo}, {hi}]");
            if (lastOffset < firstOffset || _trunk is null) return;
            for (int o = firstOffset; o <= lastOffset; o++) CheckPhases(o, "PrepareReference");
            _engine.OnComputeThread(() =>
            {
                using var precision = _engine._network.EnterPrecision();
                using var scope = torch.NewDisposeScope();
                using var inference = torch.inference_mode();
                // All at once: each chunk of windows then takes the FFT path, and the spectrum is read once for the gene.
                EnsureReference(Enumerable.Range(firstOffset, lastOffset - firstOffset + 1));
            });
        }

        /// <summary>REF fc1 pre-activations (both strands) and probabilities for window starts not seen before.</summary>
        private void EnsureReference(ReadOnlySpan<PointMutation> chunk)
        {
            var offsets = new int[chunk.Length];
            for (int i = 0; i < chunk.Length; i++) offsets[i] = chunk[i].Offset;
            EnsureReference(offsets);
        }

        /// <summary>The same for the windows of mutations at <paramref name="offsets"/>.</summary>
        private void EnsureReference(IEnumerable<int> offsets)
        {
            var missing = new List<int>();
            var seen = new HashSet<int>();
            foreach (int offset in offsets)
            {
                foreach (int s in VariantShifts.All)
                {
                    int start = MutationBatch.WindowStart(offset, s);
                    if (!_refRow.ContainsKey(start) && seen.Add(start)) missing.Add(start);
                }
            }
            if (missing.Count == 0) return;
            IsmNetwork net = _engine._network;
            // Rows (i, strand): window i of the forward strand, then the same window on the reverse complement.
            var windows = new (int Strand, int Start)[2 * missing.Count];
            for (int i = 0; i < missing.Count; i++)
            {
                windows[2 * i] = (0, missing[i]);
                windows[2 * i + 1] = (1, _length - MutationBatch.WindowLength - missing[i]);
            }
            Tensor hidden = ReferenceHidden(windows);
            Tensor both = net.PaddedHead(hidden).view(missing.Count, 2, -1);
            Tensor mean = (both.select(1, 0) + both.select(1, 1)).mul_(0.5f).narrow(1, 0, net.FeatureCount);
            long next = _refMean.Append(mean);
            _hidden.Append(hidden.view(missing.Count, -1));
            foreach (int start in missing) _refRow[start] = next++;
        }

        /// <summary>
        /// fc1 pre-activations [n, H'] (float32) of the given windows (strand, start in that strand's coordinates):
        /// from FFT chunks where many windows of a chunk are wanted (<see cref="SpectralFc1"/>), else one GEMM row each.
        /// </summary>
        private Tensor ReferenceHidden((int Strand, int Start)[] windows)
        {
            IsmNetwork net = _engine._network;
            var place = new (int Block, int Chunk, int Row)[windows.Length];
            var fresh = new SortedSet<(int, int)>();
            for (int i = 0; i < windows.Length; i++)
            {
                (int strand, int start) = windows[i];
                int ph = Mod16(start);
                int m = (start - ph) / RegionTrunk.Phases;
                place[i] = (strand * RegionTrunk.Phases + ph, m / SpectralFc1.Step, m % SpectralFc1.Step);
                var key = (place[i].Block, place[i].Chunk);
                if (_chunkRow.ContainsKey(key)) continue;
                int demand = _chunkDemand[key] = _chunkDemand.GetValueOrDefault(key) + 1;
                if (demand < SpectralAfterWindows) continue;
                // This chunk and the same chunk of the strand's other phases (those that hold columns there).
                int firstBlock = place[i].Block / RegionTrunk.Phases * RegionTrunk.Phases;
                for (int b = firstBlock; b < firstBlock + RegionTrunk.Phases; b++)
                    if (!_chunkRow.ContainsKey((b, key.Chunk)) && (long)key.Chunk * SpectralFc1.Step < BlockWidth(b)) fresh.Add((b, key.Chunk));
            }
            if (fresh.Count > 0) ComputeChunks([.. fresh]);

            var fromChunks = new List<long>();
            var chunkRows = new List<long>();
            var direct = new List<long>();
            for (int i = 0; i < windows.Length; i++)
            {
                if (_chunkRow.TryGetValue((place[i].Block, place[i].Chunk), out long first))
                {
                    fromChunks.Add(i);
                    chunkRows.Add(first + place[i].Row);
                }
                else
                {
                    direct.Add(i);
                }
            }
            if (fromChunks.Count == 0) return DirectHidden(windows).to(ScalarType.Float32);
            Tensor cached = _chunkRows.Select(MutationBatch.LongTensor([.. chunkRows], net.Device));
            if (direct.Count == 0) return cached;
            Tensor result = torch.empty([windows.Length, net.PaddedHidden], ScalarType.Float32, net.Device);
            result.index_copy_(0, MutationBatch.LongTensor([.. fromChunks], net.Device), cached);
            Tensor rows = DirectHidden([.. direct.Select(i => windows[i])]).to(ScalarType.Float32);
            return result.index_copy_(0, MutationBatch.LongTensor([.. direct], net.Device), rows);
        }

        /// <summary>REF fc1 rows of every window of the given (block, chunk)s by FFT, with bias, into <see cref="_chunkRows"/>.</summary>
        private void ComputeChunks(List<(int Block, int Chunk)> chunks)
        {
            IsmNetwork net = _engine._network;
            RegionTrunk trunk = _trunk!;
            int n = SpectralFc1.Length;
            var index = new long[chunks.Count * n];
            var keep = new float[chunks.Count * n];
            for (int q = 0; q < chunks.Count; q++)
            {
                (int block, int chunk) = chunks[q];
                long begin = trunk.A6Offsets.Offsets[block];
                long end = begin + BlockWidth(block);
                for (int t = 0; t < n; t++)
                {
                    long column = begin + (long)chunk * SpectralFc1.Step + t;
                    bool inside = column < end; // past the block's last column: zeros (those windows are never asked for)
                    index[q * n + t] = inside ? column : begin;
                    keep[q * n + t] = inside ? 1f : 0f;
                }
            }
            Tensor columns = trunk.A6Rows.index_select(0, MutationBatch.LongTensor(index, net.Device)).to(ScalarType.Float32)
                .view(chunks.Count, n, -1)
                .mul_(torch.tensor(keep, [chunks.Count, n, 1]).to(net.Device));
            Tensor hidden = _engine.Spectral.Apply(columns).add_(net.Fc1Bias.to(ScalarType.Float32));
            long first = _chunkRows.Append(hidden.reshape(-1, net.PaddedHidden));
            for (int q = 0; q < chunks.Count; q++) _chunkRow[chunks[q]] = first + (long)q * SpectralFc1.Step;
            _engine.SpectralChunks += chunks.Count;
        }

        /// <summary>Conv6 columns of block (strand · 16 + phase).</summary>
        private long BlockWidth(int block)
        {
            long[] offsets = _trunk!.A6Offsets.Offsets;
            return (block + 1 < offsets.Length ? offsets[block + 1] : _trunk.A6Rows.shape[0]) - offsets[block];
        }

        /// <summary>fc1 pre-activations [n, H'] of the given windows, one GEMM row each.</summary>
        private Tensor DirectHidden((int Strand, int Start)[] windows)
        {
            IsmNetwork net = _engine._network;
            RegionTrunk trunk = _trunk!;
            int width = IsmNetwork.FinalWidth;
            var rows = new long[windows.Length * width];
            for (int i = 0; i < windows.Length; i++)
            {
                (int strand, int start) = windows[i];
                int ph = Mod16(start);
                long first = trunk.A6Offsets.Offset(strand, ph) + (start - ph) / RegionTrunk.Phases;
                for (int t = 0; t < width; t++) rows[i * width + t] = first + t;
            }
            Tensor block = trunk.A6Rows.index_select(0, MutationBatch.LongTensor(rows, net.Device)).view(windows.Length, -1);
            return torch.addmm(net.Fc1Bias, block, net.Fc1WeightByColumn!, 1, 1);
        }

        /// <summary>Pooling phase of the shift-0 window of a mutation at <paramref name="offset"/> on that strand (the other shifts: it and + 8).</summary>
        private int PhaseOf(int offset, int strand)
        {
            int start = MutationBatch.WindowStart(offset, 0);
            return Mod16(strand == 0 ? start : _length - MutationBatch.WindowLength - start);
        }

        /// <summary>Throws unless the trunk holds the phases a mutation at <paramref name="offset"/> needs.</summary>
        private void CheckPhases(int offset, string what)
        {
            if (_trunk?.Computed is null) return;
            for (int strand = 0; strand < RegionTrunk.Strands; strand++)
            {
                int ph = PhaseOf(offset, strand);
                if (!_trunk.Has(strand, ph) || !_trunk.Has(strand, (ph + 8) % RegionTrunk.Phases))
                    throw new ArgumentException($"{what} at offset {offset}: this session was opened for other offsets, and its trunk lacks pooling phase {ph} or {(ph + 8) % RegionTrunk.Phases} of strand {strand}", "mutations");
            }
        }

        private static int Mod16(int x) => ((x % RegionTrunk.Phases) + RegionTrunk.Phases) % RegionTrunk.Phases;

        public void Dispose()
        {
            _trunk?.Dispose();
            _hidden.Dispose();
            _refMean.Dispose();
            _chunkRows.Dispose();
        }
    }
}
