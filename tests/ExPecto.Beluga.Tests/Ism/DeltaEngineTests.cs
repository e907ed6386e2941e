using ExPecto.Beluga.Ism;
using ExPecto.Core.Chromatin;
using ExPecto.Core.Transforms;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Tests.Ism;

public sealed class DeltaEngineTests : IDisposable
{
    private static readonly int[] s_channels = [16, 16, 24, 24, 32, 32];
    private const int Hidden = 64;
    private const int RegionLength = 7000;

    private readonly Dictionary<string, Tensor> _weights = IsmTestSupport.RandomStateDict(20180716, s_channels, Hidden);

    public void Dispose() => IsmTestSupport.Dispose(_weights);

    [Fact]
    public void Naive_engine_matches_the_full_window_definition_computed_independently()
    {
        byte[] region = IsmTestSupport.Chr20Region(RegionLength);
        // Both contract edges (the first and last allowed offsets), different ALT bases.
        PointMutation[] mutations =
        [
            new(1799, Other(region[1799], 0)),
            new(RegionLength - 1801, Other(region[RegionLength - 1801], 2)),
        ];
        float[] deltas = Run(new NaiveDeltaEngine(_weights, new DeltaEngineOptions { MutationsPerBatch = 2 }), region, mutations);

        int f = IsmTestSupport.Features;
        double maxAbs = 0, maxErr = 0;
        for (int i = 0; i < mutations.Length; i++)
        {
            for (int k = 0; k < VariantShifts.All.Length; k++)
            {
                int s = VariantShifts.All[k];
                int start = mutations[i].Offset + s - 999;
                byte[] refWindow = region.AsSpan(start, 2000).ToArray();
                byte[] altWindow = (byte[])refWindow.Clone();
                altWindow[999 - s] = mutations[i].Alt;
                double[] alt = IsmTestSupport.DirectPredict(_weights, altWindow);
                double[] reference = IsmTestSupport.DirectPredict(_weights, refWindow);
                for (int j = 0; j < f; j++)
                {
                    double expected = alt[j] - reference[j];
                    maxAbs = Math.Max(maxAbs, Math.Abs(expected));
                    maxErr = Math.Max(maxErr, Math.Abs(expected - deltas[(i * VariantShifts.All.Length + k) * f + j]));
                }
            }
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"max |Δ| {maxAbs:g3}, max |naive − direct| {maxErr:g3}");
        Assert.True(maxAbs > 1e-3, $"random network is insensitive to point mutations (max |Δ| = {maxAbs:g3}); the comparison would prove nothing");
        Assert.True(maxErr < 1e-6, $"naive Δ differs from the direct definition by up to {maxErr:g3}");
    }

    [Fact]
    public void Incremental_engine_matches_naive_on_real_sequence_across_phases_edges_and_alts()
    {
        byte[] region = IsmTestSupport.Chr20Region(RegionLength);
        var mutations = new List<PointMutation>();
        // 16 consecutive offsets at each contract edge cover every pooling phase on both strands.
        for (int p = 1799; p < 1799 + 16; p++) mutations.Add(new(p, Other(region[p], p)));
        for (int p = RegionLength - 1801; p > RegionLength - 1801 - 8; p--) mutations.Add(new(p, Other(region[p], p)));
        // All three ALTs at a few interior offsets.
        foreach (int p in new[] { 2500, 4321 })
        {
            for (int a = 0; a < 3; a++) mutations.Add(new(p, Other(region[p], a)));
        }
        AssertEnginesAgree(region, [.. mutations]);
    }

    [Fact]
    public void Incremental_engine_matches_naive_on_a_saturated_stretch_whose_reference_rows_come_from_the_fft_path()
    {
        // Every substitution at 40 consecutive offsets, as a saturation run asks: enough windows per chunk for the
        // REF first pass to take the FFT path, and the mutations at the stretch's start still on direct rows.
        byte[] region = IsmTestSupport.Chr20Region(RegionLength);
        var mutations = new List<PointMutation>();
        for (int p = 2600; p < 2640; p++)
            for (int a = 0; a < 3; a++) mutations.Add(new(p, Other(region[p], a)));
        var incremental = new IncrementalDeltaEngine(_weights, new DeltaEngineOptions { MutationsPerBatch = 16 });
        float[] fast = Run(incremental, region, [.. mutations]);
        Assert.True(incremental.SpectralChunks >= 16, $"only {incremental.SpectralChunks} REF chunks took the FFT path");
        float[] naive = Run(new NaiveDeltaEngine(_weights, new DeltaEngineOptions { MutationsPerBatch = 8 }), region, [.. mutations]);
        AssertClose(naive, fast, $"{mutations.Count} mutations, {incremental.SpectralChunks} FFT chunks");
    }

    [Fact]
    public void Incremental_engine_matches_naive_where_fc1_columns_run_through_onednn()
    {
        // Wide enough (C6 256, H 1024) and a batch big enough that most window columns' products exceed
        // CpuGemm.MinMultiplyAdds; the test network above stays on mm throughout.
        Dictionary<string, Tensor> wide = IsmTestSupport.RandomStateDict(42, [16, 16, 24, 24, 256, 256], 1024);
        try
        {
            byte[] region = IsmTestSupport.Chr20Region(RegionLength);
            var mutations = new List<PointMutation>();
            for (int p = 3100; p < 3132; p++) mutations.Add(new(p, Other(region[p], p)));
            var incremental = new IncrementalDeltaEngine(wide, new DeltaEngineOptions { MutationsPerBatch = 32 });
            float[] fast = Run(incremental, region, [.. mutations]);
            Assert.True(incremental.OneDnnFc1Columns > 0, "no fc1 column product took the oneDNN path");
            float[] naive = Run(new NaiveDeltaEngine(wide, new DeltaEngineOptions { MutationsPerBatch = 8 }), region, [.. mutations]);
            AssertClose(naive, fast, $"{incremental.OneDnnFc1Columns} oneDNN column products");
        }
        finally
        {
            IsmTestSupport.Dispose(wide);
        }
    }

    [Fact]
    public void Incremental_engine_on_worker_threads_gives_the_one_thread_result_bit_for_bit()
    {
        // 39 mutations in batches of 4: rounds of 2 and 3 batches with a short last batch, each Compute call ragged.
        // Random sequence, so that CI (without ../shared) runs it.
        byte[] region = IsmTestSupport.RandomRegion(RegionLength, seed: 3);
        var mutations = new List<PointMutation>();
        for (int p = 2900; p < 2913; p++)
            for (int a = 0; a < 3; a++) mutations.Add(new(p, Other(region[p], a)));
        PointMutation[] all = [.. mutations];
        int callerThreads = TorchSharp.torch.get_num_threads();

        // The reference: the same engine with one thread, run where libtorch itself is single-threaded. The engines
        // with workers run on this thread, whose libtorch has its default thread count (2 or more on a CI machine).
        float[] one = [];
        using (var single = new SingleThreadedTorchWorkers(1, "test"))
            single.Run([() => one = Run(new IncrementalDeltaEngine(_weights, new DeltaEngineOptions { MutationsPerBatch = 4, Threads = 1 }), region, all)]);
        Assert.Equal(callerThreads, TorchSharp.torch.get_num_threads());

        foreach (int threads in new[] { 2, 3 })
        {
            var engine = new IncrementalDeltaEngine(_weights, new DeltaEngineOptions { MutationsPerBatch = 4, Threads = threads });
            Assert.Equal(threads, engine.ConcurrentBatches);
            float[] parallel = Run(engine, region, all);
            Assert.Equal(10, engine.WorkerBatches); // 39 = 19 + 20 mutations: 5 + 5 batches, all on the workers
            Assert.Equal(callerThreads, TorchSharp.torch.get_num_threads());
            int differ = one.Zip(parallel, (a, b) => a != b).Count(d => d);
            Assert.True(differ == 0, $"{threads} threads: {differ} of {one.Length} deltas differ from one thread");
        }
        AssertClose(Run(new NaiveDeltaEngine(_weights, new DeltaEngineOptions { MutationsPerBatch = 8 }), region, all), one, "one thread");
    }

    [Fact]
    public void A_session_opened_for_given_offsets_matches_a_full_one_and_refuses_offsets_at_other_phases()
    {
        // A lone SNV (2 phases a strand) and a pair 5 bp apart (4 more), every ALT, on both strands' phase maps.
        byte[] region = IsmTestSupport.RandomRegion(RegionLength, seed: 4);
        int[] offsets = [2400, 4100, 4105];
        PointMutation[] mutations = [.. offsets.SelectMany(p => Enumerable.Range(0, 3).Select(a => new PointMutation(p, Other(region[p], a))))];
        using var engine = new IncrementalDeltaEngine(_weights, new DeltaEngineOptions { MutationsPerBatch = 4 });
        int stride = VariantShifts.All.Length * engine.FeatureCount;
        var full = new float[mutations.Length * stride];
        var subset = new float[mutations.Length * stride];
        using (IMutationDeltaSession session = engine.Open(region))
            session.Compute(mutations, full);
        using (IMutationDeltaSession session = engine.Open(region, offsets))
        {
            session.Compute(mutations, subset);
            // 2403's forward windows sit at phases 12 and 4, which none of the three offsets uses.
            var e = Assert.Throws<ArgumentException>(() => session.Compute([new(2403, Other(region[2403], 0))], new float[stride]));
            Assert.Contains("opened for other offsets", e.Message);
            Assert.Throws<ArgumentException>(() => session.PrepareReference(2400, 2403));
            // An offset 16 bp on uses the same phases: allowed.
            session.Compute([new(2416, Other(region[2416], 1))], new float[stride]);
        }
        double maxErr = full.Zip(subset, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxErr < 1e-6, $"the phase-subset session differs from the full one by {maxErr:g3}");
        AssertClose(Run(new NaiveDeltaEngine(_weights, new DeltaEngineOptions { MutationsPerBatch = 5 }), region, mutations), subset, "phase subset");
    }

    [Fact]
    public void Worker_threads_run_libtorch_single_threaded_and_report_failures()
    {
        int callerThreads = TorchSharp.torch.get_num_threads();
        using var workers = new SingleThreadedTorchWorkers(2, "test");
        var seen = new int[2];
        var names = new string?[2];
        workers.Run([
            () => (seen[0], names[0]) = (TorchSharp.torch.get_num_threads(), Thread.CurrentThread.Name),
            () => (seen[1], names[1]) = (TorchSharp.torch.get_num_threads(), Thread.CurrentThread.Name),
        ]);
        Assert.Equal([1, 1], seen);
        Assert.Equal(["test 0", "test 1"], names.Select(n => n ?? "").ToArray());
        Assert.Equal(callerThreads, TorchSharp.torch.get_num_threads());
        var e = Assert.Throws<InvalidOperationException>(() => workers.Run([() => { }, () => throw new InvalidOperationException("boom")]));
        Assert.Equal("boom", e.Message);
        Assert.Throws<ArgumentException>(() => workers.Run([() => { }, () => { }, () => { }]));
    }

    [Fact]
    public void Spectral_fc1_equals_fc1_applied_window_by_window()
    {
        using var net = new IsmNetwork(_weights, "cpu", IsmNetwork.Fc1Layout.ByColumn);
        using var spectral = new SpectralFc1(net);
        using var scope = NewDisposeScope();
        int c6 = s_channels[^1];
        var generator = new Random(7);
        var values = new float[2 * SpectralFc1.Length * c6];
        for (int i = 0; i < values.Length; i++) values[i] = (float)generator.NextDouble() * 2f;
        Tensor chunks = tensor(values, [2, SpectralFc1.Length, c6]);
        Tensor fft = spectral.Apply(chunks);
        Assert.Equal([2L, SpectralFc1.Step, net.PaddedHidden], fft.shape);
        // Window m of a chunk: its 106 columns flattened column-major, times the ByColumn fc1 weight.
        Tensor windows = chunks.unfold(1, IsmNetwork.FinalWidth, 1).narrow(1, 0, SpectralFc1.Step) // [2, Step, C6, 106]
            .permute(0, 1, 3, 2).reshape(2 * SpectralFc1.Step, -1);
        Tensor direct = windows.matmul(net.Fc1WeightByColumn!).view(2, SpectralFc1.Step, -1);
        double scale = direct.abs().max().item<float>();
        double err = (fft - direct).abs().max().item<float>();
        TestContext.Current.TestOutputHelper?.WriteLine($"max |fc1| {scale:g3}, max |fft − direct| {err:g3}");
        Assert.True(scale > 1, "inputs too small to test anything");
        Assert.True(err < 1e-5 * scale, $"FFT fc1 differs from the direct product by {err:g3} (scale {scale:g3})");
    }

    [Fact]
    public void Incremental_engine_matches_naive_with_an_N_inside_the_region()
    {
        byte[] region = IsmTestSupport.Chr20Region(RegionLength);
        const int nAt = 3600;
        region[nAt] = (byte)'N';
        var mutations = new List<PointMutation>();
        // At the N itself, right beside it (inside the same conv spans) and far enough that only some windows see it.
        foreach (int p in new[] { nAt, nAt - 1, nAt + 1, nAt - 8, nAt + 9, nAt - 600, nAt + 1150 })
            mutations.Add(new(p, Other(region[p], p)));
        AssertEnginesAgree(region, [.. mutations]);
    }

    [Fact]
    public void Incremental_engine_gives_zero_when_alt_equals_ref()
    {
        byte[] region = IsmTestSupport.Chr20Region(RegionLength);
        float[] deltas = Run(new IncrementalDeltaEngine(_weights), region, [new(3000, region[3000])]);
        Assert.All(deltas, d => Assert.True(Math.Abs(d) < 1e-6, $"Δ = {d}"));
    }

    [Theory]
    [InlineData("naive")]
    [InlineData("incremental")]
    public void Engines_reject_mutations_whose_windows_leave_the_region(string name)
    {
        var region = new byte[4000];
        Array.Fill(region, (byte)'A');
        using IMutationDeltaEngine engine = Create(name, 4);
        using IMutationDeltaSession session = engine.Open(region);
        var deltas = new float[VariantShifts.All.Length * engine.FeatureCount];
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Compute([new(1798, (byte)'C')], deltas));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Compute([new(4000 - 1800, (byte)'C')], deltas));
        Assert.Throws<ArgumentException>(() => session.Compute([new(2000, (byte)'N')], deltas));
        Assert.Throws<ArgumentException>(() => session.Compute([new(2000, (byte)'C')], new float[deltas.Length - 1]));
    }

    private void AssertEnginesAgree(byte[] region, PointMutation[] mutations)
    {
        // Batch sizes that do not divide the count; two Compute calls so the second reuses cached REF windows.
        float[] naive = Run(new NaiveDeltaEngine(_weights, new DeltaEngineOptions { MutationsPerBatch = 5 }), region, mutations);
        float[] incremental = Run(new IncrementalDeltaEngine(_weights, new DeltaEngineOptions { MutationsPerBatch = 7 }), region, mutations);
        AssertClose(naive, incremental, $"{mutations.Length} mutations");
    }

    /// <summary>The incremental engine's Δ equal the naive engine's to 1e-5, on a network that responds at all.</summary>
    private static void AssertClose(float[] naive, float[] incremental, string what)
    {
        double maxAbs = naive.Max(Math.Abs);
        double maxErr = naive.Zip(incremental, (a, b) => Math.Abs(a - b)).Max();
        TestContext.Current.TestOutputHelper?.WriteLine($"{what}: max |Δ| {maxAbs:g3}, max |incremental − naive| {maxErr:g3}");
        Assert.True(maxAbs > 1e-3, $"random network is insensitive to point mutations (max |Δ| = {maxAbs:g3})");
        Assert.True(maxErr < 1e-5, $"incremental Δ differs from naive by up to {maxErr:g3} (max |Δ| {maxAbs:g3})");
    }

    private static float[] Run(IMutationDeltaEngine engine, byte[] region, PointMutation[] mutations)
    {
        using (engine)
        {
            int stride = VariantShifts.All.Length * engine.FeatureCount;
            var deltas = new float[mutations.Length * stride];
            using IMutationDeltaSession session = engine.Open(region);
            int half = mutations.Length / 2;
            session.Compute(mutations.AsSpan(0, half), deltas.AsSpan(0, half * stride));
            session.Compute(mutations.AsSpan(half), deltas.AsSpan(half * stride));
            return deltas;
        }
    }

    private IMutationDeltaEngine Create(string name, int batch) =>
        DeltaEngines.Create(name, _weights, new DeltaEngineOptions { MutationsPerBatch = batch });

    [Fact]
    public void Engines_are_created_by_their_cli_names()
    {
        foreach (string name in DeltaEngines.Names)
        {
            using IMutationDeltaEngine engine = DeltaEngines.Create(name.ToUpperInvariant(), _weights);
            Assert.Equal(name, engine.Name);
            Assert.Equal(IsmTestSupport.Features, engine.FeatureCount);
        }
        Assert.Throws<ExPecto.Core.InputException>(() => DeltaEngines.Create("fast", _weights));
    }

    [Fact]
    public void Engines_reject_a_state_dict_with_a_missing_or_misshapen_layer()
    {
        var missing = new Dictionary<string, Tensor>(_weights);
        missing.Remove("model.0.8.bias");
        Assert.Contains("model.0.8.bias", Assert.Throws<ArgumentException>(() => new IncrementalDeltaEngine(missing)).Message);
        using Tensor wrongFc1 = TorchSharp.torch.zeros(Hidden, 32 * 105);
        var misshapen = new Dictionary<string, Tensor>(_weights) { ["model.1.2.1.weight"] = wrongFc1 };
        Assert.Contains("model.1.2.1", Assert.Throws<ArgumentException>(() => new NaiveDeltaEngine(misshapen)).Message);
    }

    /// <summary>One of the three bases other than <paramref name="refBase"/>, picked by <paramref name="pick"/>.</summary>
    private static byte Other(byte refBase, int pick)
    {
        byte[] others = "ACGT"u8.ToArray().Where(b => b != char.ToUpperInvariant((char)refBase)).ToArray();
        return others[((pick % 3) + 3) % 3];
    }
}
