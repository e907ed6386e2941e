using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ExPecto.Beluga.Ism;
using ExPecto.Beluga.Weights;
using ExPecto.Core.Chromatin;
using ExPecto.Core.Transforms;
using TorchSharp;
using static TorchSharp.torch;

// Usage: expecto-bench-ism [reduced|full|all] [--device cpu|cuda:N] [--threads N] [--batch-size N] [--sweep-batch N,N,…] [--python PATH]
//                          [--reference-script PATH] [--no-reference] [--scale X]
//        expecto-bench-ism precision [--device D] [--threads N] [--batch-size N] [--mutations 48] [--engines incremental,naive] [--precisions fp32,bf16]
//        expecto-bench-ism variants [--device D] [--threads N] [--variants N] [--window-variants 16] [--min-snvs 1]
//        expecto-bench-ism random-inputs DIR | compare-effects A B [TOL]   (bench/gpu/proof_on_device.sh)
// One run prints one table: naive and incremental TorchSharp engines and ExPecto's reference approach in PyTorch
// (bench/reference/expecto_reference_ism.py as a child process on the same weights, region, mutations and threads).
// On a shared, oversubscribed machine --threads 1 gives steadier numbers (libtorch's thread barriers stall otherwise).
// Steady-state mutations/s: each engine first computes a set of mutations once (session setup and REF windows),
// then the same set again with every REF window cached, which is what one more mutation costs in a saturation run.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string which = args.FirstOrDefault(a => a is "reduced" or "full" or "all") ?? "all";
string device = Option("--device") ?? "cpu";
if (Option("--threads") is { } threadsText) torch.set_num_threads(int.Parse(threadsText, CultureInfo.InvariantCulture));
double scale = double.Parse(Option("--scale") ?? "1", CultureInfo.InvariantCulture);
// Mutations per incremental-engine call (DeltaEngineOptions.MutationsPerBatch, as `expecto mutagenesis --batch-size`).
int batch = Option("--batch-size") is { } batchText ? int.Parse(batchText, CultureInfo.InvariantCulture) : DeltaEngineOptions.DefaultMutationsPerBatch(device);
// More incremental rows at these batch sizes (how the per-device defaults are chosen); the checks use --batch-size's row.
int[] sweep = (Option("--sweep-batch") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
    .Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray();
// Modes of their own: `precision` (PrecisionBench.cs), the proof helpers (GpuProofTools.cs), `variants` (VariantsBench.cs).
if (args.FirstOrDefault() == "precision")
    return ExPecto.Bench.Ism.PrecisionBench.Run(device, int.Parse(Option("--mutations") ?? "48", CultureInfo.InvariantCulture),
        (Option("--engines") ?? "incremental").Split(','), Option("--precisions")?.Split(',').Select(p => ComputePrecisions.Parse(p)).ToList(),
        batch);
if (args.FirstOrDefault() == "random-inputs" && args.Length == 2) return ExPecto.Bench.Ism.GpuProofTools.RandomInputs(args[1]);
if (args.FirstOrDefault() == "compare-effects" && args.Length >= 3)
    return ExPecto.Bench.Ism.GpuProofTools.CompareEffects(args[1], args[2], args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 1e-5);
if (args.FirstOrDefault() == "variants")
    return ExPecto.Bench.Ism.VariantsBench.Run(device, Option("--variants") is { } nv ? int.Parse(nv, CultureInfo.InvariantCulture) : null,
        int.Parse(Option("--window-variants") ?? "16", CultureInfo.InvariantCulture), int.Parse(Option("--min-snvs") ?? "1", CultureInfo.InvariantCulture)); // 1 = predict-variants --engine auto
var reference = new ReferenceRunner(
    Option("--python") ?? Environment.GetEnvironmentVariable("EXPECTO_BENCH_PYTHON") ?? "/usr/bin/python3",
    Option("--reference-script") ?? ReferenceRunner.FindScript(),
    enabled: !args.Contains("--no-reference"),
    device,
    torch.get_num_threads());

Console.WriteLine($"date: {DateTime.UtcNow:u}");
Console.WriteLine($"machine: {Machine.CpuModel()}, {Environment.ProcessorCount} logical CPUs; load average at start: {Machine.LoadAverage()}");
Console.WriteLine($"torch threads: {torch.get_num_threads()} (C# and the PyTorch child), device: {device}, TorchSharp libtorch: {torch.__version__}");
Console.WriteLine(reference.Describe());

var results = new List<ShapeResult>();
if (which is "reduced" or "all")
    results.Add(Bench.Run("reduced 16/16/24/24/32/32, H 64", [16, 16, 24, 24, 32, 32], 64, device, reference, batch, sweep,
        naiveMutations: Scaled(12), incrementalMutations: Scaled(384), referenceMutations: Scaled(12)));
if (which is "full" or "all")
    results.Add(Bench.Run("full 320/320/480/480/640/640, H 2003", [320, 320, 480, 480, 640, 640], 2003, device, reference, batch, sweep,
        naiveMutations: Scaled(4), incrementalMutations: Scaled(256), referenceMutations: Scaled(2)));

Console.WriteLine();
Console.WriteLine($"load average at end: {Machine.LoadAverage()}");
Table.Print(results.SelectMany(r => r.Rows).ToList());
Console.WriteLine();
foreach (ShapeResult r in results) r.PrintChecks();
return 0;

int Scaled(int n) => Math.Max(1, (int)Math.Round(n * scale));

string? Option(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

internal sealed record ShapeResult(string Shape, bool Full, List<string[]> Rows, Measurement Naive, Measurement Incremental, ReferenceResult? Reference,
    double IncrementalVsNaive, double IncrementalDiff, double SgemmShare, string CrossCheck, string FirstPass, string? ThreadCheck)
{
    public void PrintChecks()
    {
        Console.WriteLine($"[{Shape}]");
        double target = Full ? 60 : 50;
        Console.WriteLine($"  target incremental ≥ {target:F0}× naive (steady mut/s): {IncrementalVsNaive:F1}× → {Met(IncrementalVsNaive >= target)}");
        Console.WriteLine($"  target |incremental − naive| ≤ 1e-5: {IncrementalDiff:G3} → {Met(IncrementalDiff <= 1e-5)}");
        if (Full)
            Console.WriteLine($"  target incremental ≥ 50% of this run's sgemm GFLOP/s: {SgemmShare:P0} → {Met(SgemmShare >= 0.5)}");
        if (ThreadCheck is not null) Console.WriteLine($"  {ThreadCheck}");
        if (Reference is { } r)
        {
            double ratio = Naive.Rate / r.Rate;
            double cpuRatio = Naive.CpuRate / r.CpuRate;
            Console.WriteLine($"  target naive TorchSharp ≥ 1× PyTorch reference (mut/s, equal threads): wall {ratio:F2}× → {(ratio >= 1 ? "met" : "NOT met")}" +
                              $" (per network window: {Naive.WindowRate / r.WindowRate:F2}×); per CPU-s {cpuRatio:F2}× → {(cpuRatio >= 1 ? "met" : "NOT met")}" +
                              $" (per window: {cpuRatio * 18 / 36:F2}×)");
        }
        else
        {
            Console.WriteLine("  target naive ≥ 1× PyTorch reference: not measured (reference skipped)");
        }
        Console.WriteLine($"  {CrossCheck}");
        Console.WriteLine($"  {FirstPass}");
    }

    private static string Met(bool met) => met ? "met" : "NOT met";
}

/// <summary>Seconds (wall and process CPU) for session open, the first Compute (fills REF caches) and a second Compute of the same mutations.</summary>
internal sealed record Measurement(int Count, int WindowsPerMutation, int Batch, double Open, double First, double SteadyWall, double SteadyCpu, double PeakRssMiB, float[] Deltas)
{
    /// <summary>Both cells' steady passes as one (counts and times added; setup, first pass and deltas of this one).</summary>
    public Measurement Pool(Measurement other) => this with
    {
        Count = Count + other.Count,
        SteadyWall = SteadyWall + other.SteadyWall,
        SteadyCpu = SteadyCpu + other.SteadyCpu,
        PeakRssMiB = Math.Max(PeakRssMiB, other.PeakRssMiB),
    };

    public double Rate => Count / SteadyWall;
    public double CpuRate => Count / SteadyCpu;
    public double WindowRate => Count * WindowsPerMutation / SteadyWall;
}

internal sealed record ReferenceResult(int Count, double Setup, double Seconds, double CpuSeconds, double PeakRssMiB, double? PeakGpuMiB, string TorchVersion, float[] Deltas)
{
    public double Rate => Count / Seconds;
    public double CpuRate => Count / CpuSeconds;
    public double WindowRate => Count * 36 / Seconds;
}

internal static class Bench
{
    private const int RegionLength = 7000;
    // Mutations start at region offset RegionLength/2 (1-based position 3501 with start0 = 0), as in the reference
    // script's enumeration TSS−R … TSS+R with R = ReferenceRadius.
    private const int ReferenceRadius = 1000;

    private const int Features = 2002;

    /// <param name="incrementalMutations">Mutations for an incremental cell, at least two whole batches.</param>
    public static ShapeResult Run(string shape, int[] channels, int hidden, string device, ReferenceRunner reference, int batch, int[] sweep,
        int naiveMutations, int incrementalMutations, int referenceMutations)
    {
        Console.WriteLine($"[{shape}] building random weights");
        Dictionary<string, Tensor> weights = RandomWeights(channels, hidden, Features, seed: 7);
        byte[] region = RandomRegion(RegionLength, seed: 11);
        bool full = channels[5] == 640;
        try
        {
            // The practical peak of this device and thread count, measured in this run right before and after the
            // engines (the mean of both).
            double sgemmBefore = Sgemm.Measure(device, out string sgemmShape);
            Measurement Naive() => Time(() => new NaiveDeltaEngine(weights, new DeltaEngineOptions { Device = device, MutationsPerBatch = NaiveDeltaEngine.DefaultMutationsPerBatch }), region, naiveMutations, windowsPerMutation: 18, NaiveDeltaEngine.DefaultMutationsPerBatch);
            int threads = torch.get_num_threads();
            // At least two rounds of whole batches on every worker thread (DeltaEngineOptions.Threads: one batch each).
            Measurement Incremental(int b, int engineThreads) => Time(() => new IncrementalDeltaEngine(weights, new DeltaEngineOptions { Device = device, MutationsPerBatch = b, Threads = engineThreads }),
                region, Math.Max(incrementalMutations, 2 * b * (device == "cpu" ? engineThreads : 1)), windowsPerMutation: 0, b);
            // The naive cell runs before and after the incremental one and its row pools both: this machine's
            // sustained speed drifts by up to ~30 % within seconds (bench/README.md), and bracketing keeps the ratio
            // from depending on which cell ran first.
            Measurement naiveBefore = Naive();
            Measurement inc = Incremental(batch, threads);
            Measurement naiveAfter = Naive();
            Measurement naive = naiveBefore.Pool(naiveAfter);
            Console.WriteLine($"  naive: {naiveBefore.Rate:G3} mut/s before the incremental cell, {naiveAfter.Rate:G3} after; the row pools both ({naive.Rate:G3})");
            List<Measurement> swept = [.. sweep.Select(b => Incremental(b, threads))];
            // Threads (issue 12: 2 threads ≥ 1.6× one): the incremental cell again at the other count of the pair
            // (2 when this run has one thread, else 1, on a calling thread made single-threaded for the cell).
            Measurement? paired = null;
            int pairedThreads = threads == 1 ? 2 : 1;
            if (full && device == "cpu" && Environment.ProcessorCount >= 2)
            {
                torch.set_num_threads(pairedThreads);
                try { paired = Incremental(batch, pairedThreads); }
                finally { torch.set_num_threads(threads); }
            }
            double sgemmAfter = Sgemm.Measure(device, out _);
            double sgemm = (sgemmBefore + sgemmAfter) / 2;
            Console.WriteLine($"  libtorch sgemm ({sgemmShape}, {torch.get_num_threads()} threads, {device}): {sgemm:F1} GFLOP/s (before the engines {sgemmBefore:F1}, after {sgemmAfter:F1})");
            if (Sgemm.MeasureOneDnn(device) is { } oneDnn)
                Console.WriteLine($"  the same product through oneDNN (CpuGemm, the incremental engine's CPU path for large GEMMs): {oneDnn:F1} GFLOP/s = {oneDnn / sgemm:F2}× sgemm; the incremental engine reaches {inc.Rate * IncrementalDeltaEngine.FlopsPerMutation(channels, hidden, Features) / 1e9 / oneDnn:P0} of it");
            // Both engines start with the same mutations, so the naive ones double as an exactness check at this shape.
            double incDiff = MaxDiff(naive.Deltas, inc.Deltas, naive.Deltas.Length);
            string check = $"max |incremental − naive| over the first {naiveMutations} mutations: {incDiff:G3} (max |Δ| {naive.Deltas.Max(Math.Abs):G3}); " +
                           $"naive before vs after: {MaxDiff(naiveBefore.Deltas, naiveAfter.Deltas, naiveBefore.Deltas.Length):G3}";
            double naiveFlops = NaiveDeltaEngine.FlopsPerMutation(channels, hidden, Features);
            double incFlops = IncrementalDeltaEngine.FlopsPerMutation(channels, hidden, Features);
            string firstPass = GeneReferencePass(weights, device, region, batch, inc.Rate);

            ReferenceResult? r = reference.Enabled
                ? reference.Run(weights, region, tss: RegionLength / 2 + 1 + ReferenceRadius, ReferenceRadius, referenceMutations)
                : null;
            if (r is not null)
            {
                int common = Math.Min(r.Deltas.Length, naive.Deltas.Length);
                double refDiff = MaxDiff(naive.Deltas, r.Deltas, common);
                int features = 2002 * VariantShifts.All.Length;
                check += $"; max |PyTorch reference − naive| over the first {common / features} mutations × 9 shifts × 2002: {refDiff:G3}";
            }

            var rows = new List<string[]>
            {
                Table.Row(shape, "naive (TorchSharp)", naive.Batch.ToString(CultureInfo.InvariantCulture), naive.Open, naive.First, naive.Count, naive.SteadyWall, naive.SteadyCpu, naive.Rate, naive.WindowRate,
                    naiveFlops, sgemm, naive.PeakRssMiB, "1.0×", r is null ? "–" : $"{naive.Rate / r.Rate:F2}×"),
                Table.Row(shape, "incremental (TorchSharp)", inc.Batch.ToString(CultureInfo.InvariantCulture), inc.Open, inc.First, inc.Count, inc.SteadyWall, inc.SteadyCpu, inc.Rate, null,
                    incFlops, sgemm, inc.PeakRssMiB, $"{inc.Rate / naive.Rate:F1}×", r is null ? "–" : $"{inc.Rate / r.Rate:F1}×"),
            };
            string? threadCheck = null;
            if (paired is not null)
            {
                (Measurement one, Measurement two) = threads == 1 ? (inc, paired) : (paired, inc);
                rows.Add(Table.Row(shape, $"incremental (TorchSharp), {pairedThreads} thread{(pairedThreads == 1 ? "" : "s")}", paired.Batch.ToString(CultureInfo.InvariantCulture),
                    paired.Open, paired.First, paired.Count, paired.SteadyWall, paired.SteadyCpu, paired.Rate, null,
                    incFlops, sgemm, paired.PeakRssMiB, "–", "–"));
                int common = Math.Min(one.Deltas.Length, two.Deltas.Length);
                threadCheck = $"target incremental at 2 threads ≥ 1.6× one thread (same run): {two.Rate / one.Rate:F2}× ({two.Rate:G3} vs {one.Rate:G3} mut/s; " +
                              $"max |2 threads − 1 thread| over {common / (VariantShifts.All.Length * Features)} mutations: {MaxDiff(one.Deltas, two.Deltas, common):G3}) → " +
                              (two.Rate / one.Rate >= 1.6 ? "met" : "NOT met");
            }
            foreach (Measurement m in swept)
                rows.Add(Table.Row(shape, "incremental (TorchSharp)", m.Batch.ToString(CultureInfo.InvariantCulture), m.Open, m.First, m.Count, m.SteadyWall, m.SteadyCpu, m.Rate, null,
                    incFlops, sgemm, m.PeakRssMiB, $"{m.Rate / naive.Rate:F1}×", r is null ? "–" : $"{m.Rate / r.Rate:F1}×"));
            // The reference computes REF and ALT windows for every mutation: twice the naive engine's arithmetic.
            if (r is not null)
                rows.Add(Table.Row(shape, $"reference (PyTorch {r.TorchVersion})", "–", r.Setup, null, r.Count, r.Seconds, r.CpuSeconds, r.Rate, r.WindowRate,
                    2 * naiveFlops, sgemm, r.PeakRssMiB, $"{r.Rate / naive.Rate:F2}×", "1.0×", r.PeakGpuMiB));
            else
                rows.Add([shape, "reference (PyTorch)", .. Enumerable.Repeat("", Table.Columns - 2).Select((_, i) => i == 0 ? "skipped" : "")]);
            double share = inc.Rate * incFlops / 1e9 / sgemm;
            return new ShapeResult(shape, full, rows, naive, inc, r, inc.Rate / naive.Rate, incDiff, share, check, firstPass, threadCheck);
        }
        finally
        {
            foreach (Tensor t in weights.Values) t.Dispose();
        }
    }

    /// <summary>
    /// The REF first pass of a whole radius-1000 gene, measured apart: on a fresh session, the REF fc1 rows (and fc2)
    /// of the 3,601 window starts × 2 strands that mutations at 2,001 consecutive offsets need, computed in one go as a
    /// saturation run asks for them (<see cref="IMutationDeltaSession.PrepareReference"/>: FFT chunks); the first call
    /// on a new engine also builds the fc1 spectrum, once per engine. For comparison, the same rows one GEMM row per
    /// window (what every request cost before, and what a sparse one still costs), from one mutation's 9 windows:
    /// its first Compute minus its second.
    /// </summary>
    private static string GeneReferencePass(Dictionary<string, Tensor> weights, string device, byte[] region, int batch, double mutationRate)
    {
        using var engine = new IncrementalDeltaEngine(weights, new DeltaEngineOptions { Device = device, MutationsPerBatch = batch });
        int centre = RegionLength / 2;
        double Pass()
        {
            using IMutationDeltaSession session = engine.Open(region);
            var clock = Stopwatch.StartNew();
            session.PrepareReference(centre - ReferenceRadius, centre + ReferenceRadius);
            return clock.Elapsed.TotalSeconds;
        }
        double withSpectrum = Pass();
        double pass = Pass();
        double perStartDirect;
        using (IMutationDeltaSession session = engine.Open(region))
        {
            var deltas = new float[VariantShifts.All.Length * engine.FeatureCount];
            int offset = centre + ReferenceRadius + 1;
            PointMutation[] one = [new(offset, region[offset] == (byte)'A' ? (byte)'C' : (byte)'A')];
            var clock = Stopwatch.StartNew();
            session.Compute(one, deltas);
            double first = clock.Elapsed.TotalSeconds;
            clock.Restart();
            session.Compute(one, deltas);
            perStartDirect = Math.Max(0, first - clock.Elapsed.TotalSeconds) / VariantShifts.All.Length;
        }
        const int starts = 2 * ReferenceRadius + 1 + 1600;
        double mutations = 3.0 * (2 * ReferenceRadius + 1) / mutationRate;
        return $"REF first pass of a radius-1000 gene ({starts:N0} window starts × 2 strands, FFT chunks): {pass:F2} s " +
               $"(first call on a new engine {withSpectrum:F2} s: it builds the fc1 spectrum, once per engine); " +
               $"as direct GEMM rows ({perStartDirect * 1e3:F2} ms per start in this run) it would take {starts * perStartDirect:F1} s, " +
               $"{starts * perStartDirect / Math.Max(pass, 1e-9):F1}× as long; the gene's 6,003 mutations take {mutations:F0} s at this run's rate, " +
               $"so the REF pass is {pass / (pass + mutations):P1} of the gene's engine time (direct rows: {starts * perStartDirect / (starts * perStartDirect + mutations):P0})";
    }

    private static double MaxDiff(float[] a, float[] b, int count)
    {
        double max = 0;
        for (int i = 0; i < count; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    private static Measurement Time(Func<IMutationDeltaEngine> create, byte[] region, int count, int windowsPerMutation, int batch)
    {
        GC.Collect();
        Machine.ResetPeakRss();
        using IMutationDeltaEngine engine = create();
        // Saturation order: consecutive positions in the middle, all three ALTs each (A, C, G, T order, as the
        // reference script enumerates them).
        var mutations = new PointMutation[count];
        for (int i = 0; i < count; i++)
        {
            int offset = RegionLength / 2 + i / 3;
            byte[] others = "ACGT"u8.ToArray().Where(b => b != region[offset]).ToArray();
            mutations[i] = new PointMutation(offset, others[i % 3]);
        }
        var deltas = new float[count * VariantShifts.All.Length * engine.FeatureCount];
        var clock = Stopwatch.StartNew();
        using IMutationDeltaSession session = engine.Open(region);
        double open = clock.Elapsed.TotalSeconds;
        clock.Restart();
        session.Compute(mutations, deltas);
        double first = clock.Elapsed.TotalSeconds;
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        clock.Restart();
        session.Compute(mutations, deltas);
        double steady = clock.Elapsed.TotalSeconds;
        double steadyCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        double peak = Machine.PeakRssMiB();
        string oneDnn = engine is IncrementalDeltaEngine inc ? $", {inc.OneDnnFc1Columns} fc1 column products through oneDNN" : "";
        Console.WriteLine($"  {engine.Name}: open {open:F2} s, first {first:F2} s, steady {steady:F2} s wall / {steadyCpu:F2} s CPU for {count} mutations, peak RSS {peak:F0} MiB{oneDnn}");
        return new Measurement(count, windowsPerMutation, batch, open, first, steady, steadyCpu, peak, deltas);
    }

    private static byte[] RandomRegion(int length, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => "ACGT"u8[rng.Next(4)]).ToArray();
    }

    /// <summary>Beluga-shaped state dict with He-scaled Gaussian weights (keys and 4D conv shapes as in PyTorch).</summary>
    internal static Dictionary<string, Tensor> RandomWeights(int[] channels, int hidden, int features, int seed)
    {
        torch.random.manual_seed(seed);
        var dict = new Dictionary<string, Tensor>();
        string[] convKeys = ["model.0.0", "model.0.2", "model.0.6", "model.0.8", "model.0.12", "model.0.14"];
        long inChannels = 4;
        for (int i = 0; i < 6; i++)
        {
            long fanIn = i == 0 ? 8 : inChannels * 8;
            dict[convKeys[i] + ".weight"] = torch.randn(channels[i], inChannels, 1, 8).mul_(Math.Sqrt(2.0 / fanIn));
            dict[convKeys[i] + ".bias"] = torch.randn(channels[i]).mul_(0.05);
            inChannels = channels[i];
        }
        dict["model.1.2.1.weight"] = torch.randn(hidden, inChannels * 106).mul_(Math.Sqrt(2.0 / (inChannels * 106)));
        dict["model.1.2.1.bias"] = torch.randn(hidden).mul_(0.05);
        dict["model.1.4.1.weight"] = torch.randn(features, hidden).mul_(2.0 / Math.Sqrt(hidden));
        dict["model.1.4.1.bias"] = torch.randn(features).mul_(0.5);
        return dict;
    }
}

/// <summary>Runs bench/reference/expecto_reference_ism.py as a child process on the bench's weights and region.</summary>
internal sealed class ReferenceRunner(string python, string? script, bool enabled, string device, int threads)
{
    private readonly string? _skipReason = !enabled ? "disabled by --no-reference"
        : script is null ? "bench/reference/expecto_reference_ism.py not found (pass --reference-script)"
        : Probe(python);

    public bool Enabled => _skipReason is null;

    public string Describe() => Enabled
        ? $"PyTorch reference: {python} {script} (--threads {threads} --device {device})"
        : $"PyTorch reference SKIPPED: {_skipReason}";

    /// <summary>The script next to the published binary, or under bench/reference in this or a parent folder.</summary>
    public static string? FindScript()
    {
        const string name = "expecto_reference_ism.py";
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            if (File.Exists(Path.Combine(start, name))) return Path.Combine(start, name);
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "bench", "reference", name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    private static string? Probe(string python)
    {
        try
        {
            var (code, _, err) = Exec(python, ["-c", "import torch, numpy"]);
            return code == 0 ? null : $"{python} cannot import torch/numpy (Debian: apt-get install python3-torch): {err.Trim().Split('\n').LastOrDefault()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{python} not runnable: {e.Message}";
        }
    }

    public ReferenceResult Run(IReadOnlyDictionary<string, Tensor> weights, byte[] region, int tss, int radius, int limit)
    {
        string dir = Directory.CreateTempSubdirectory("expecto-bench-").FullName;
        try
        {
            string weightsPath = Path.Combine(dir, "beluga.pth");
            PyTorchStateDictWriter.Write(weightsPath, weights.Select(kv =>
                KeyValuePair.Create(kv.Key, new TensorData(kv.Value.shape, kv.Value.contiguous().data<float>().ToArray()))));
            // The script's region file: "<start0>\t<sequence>" (start0 = 0, so region offset i is 1-based position i + 1).
            string regionPath = Path.Combine(dir, "region.tsv");
            File.WriteAllText(regionPath, "0\t" + System.Text.Encoding.ASCII.GetString(region) + "\n");
            string deltasPath = Path.Combine(dir, "deltas.f32");
            Console.WriteLine($"  reference: {limit} mutations in a PyTorch child process …");
            var (code, output, err) = Exec(python,
            [
                script!, "--weights", weightsPath, "--region", regionPath, "--tss", tss.ToString(CultureInfo.InvariantCulture), "--strand", "+",
                "--radius", radius.ToString(CultureInfo.InvariantCulture), "--limit", limit.ToString(CultureInfo.InvariantCulture),
                "--threads", threads.ToString(CultureInfo.InvariantCulture), "--device", device, "--deltas-out", deltasPath,
            ]);
            if (code != 0) throw new InvalidOperationException($"reference script failed (exit {code}):\n{err}");
            string json = output.Trim().Split('\n').Last();
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement e = doc.RootElement;
            byte[] raw = File.ReadAllBytes(deltasPath);
            var deltas = new float[raw.Length / sizeof(float)];
            Buffer.BlockCopy(raw, 0, deltas, 0, deltas.Length * sizeof(float));
            var result = new ReferenceResult(
                e.GetProperty("mutations").GetInt32(), e.GetProperty("setup_seconds").GetDouble(), e.GetProperty("seconds").GetDouble(), e.GetProperty("cpu_seconds").GetDouble(),
                e.GetProperty("max_rss_mib").GetDouble(),
                e.GetProperty("max_gpu_mib").ValueKind == JsonValueKind.Number ? e.GetProperty("max_gpu_mib").GetDouble() : null,
                e.GetProperty("torch").GetString() ?? "?", deltas);
            Console.WriteLine($"  reference: setup {result.Setup:F2} s, {result.Seconds:F2} s for {result.Count} mutations, peak RSS {result.PeakRssMiB:F0} MiB");
            return result;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int Code, string Out, string Err) Exec(string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        using Process p = Process.Start(info)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }
}

internal static class Machine
{
    public static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>Resets VmHWM (Linux ≥ 4.0: writing 5 to clear_refs), so each cell reports its own peak.</summary>
    public static void ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Then the peak is the process's so far; still an upper bound.
        }
    }

    public static double PeakRssMiB()
    {
        string? line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
        return line is null
            ? Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0
            : double.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }
}

/// <summary>libtorch's float32 matmul on the bench's device and thread count: the practical peak the engines are held to.</summary>
internal static class Sgemm
{
    /// <summary>
    /// GFLOP/s of an n×n·n×n TorchSharp mm (CPU n = 2048, CUDA n = 8192), repeated for ≥ 2 s after a warm-up: total
    /// work over total wall time, so that on a loaded machine it averages over the load as the engines' cells do.
    /// </summary>
    public static double Measure(string device, out string shape)
    {
        Device dev = torch.device(device);
        bool cuda = dev.type == DeviceType.CUDA;
        int n = cuda ? 8192 : 2048;
        shape = $"mm {n}×{n}·{n}×{n} float32";
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        Tensor a = torch.randn(n, n, device: dev), b = torch.randn(n, n, device: dev);
        return Rate(n, () => a.mm(b), cuda ? dev : null);
    }

    /// <summary>GFLOP/s of the same CPU product through <see cref="CpuGemm"/> (oneDNN); null on CUDA, which keeps mm.</summary>
    public static double? MeasureOneDnn(string device)
    {
        if (torch.device(device).type != DeviceType.CPU) return null;
        const int n = 2048;
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        Tensor a = torch.randn(n, n), weight = torch.randn(n, n);
        return Rate(n, () => CpuGemm.Linear(a, weight), null);
    }

    private static double Rate(int n, Func<Tensor> product, Device? cuda)
    {
        void Once()
        {
            using Tensor c = product();
            if (cuda is not null) torch.cuda.synchronize(cuda);
        }
        Once();
        int reps = 0;
        var clock = Stopwatch.StartNew();
        for (; reps < 3 || clock.Elapsed.TotalSeconds < 2; reps++) Once();
        return reps * 2.0 * n * n * n / clock.Elapsed.TotalSeconds / 1e9;
    }
}

internal static class Table
{
    private static readonly string[] Header =
        ["shape", "engine", "batch", "setup s", "first pass s", "mutations", "steady s", "steady CPU s", "mut/s", "mut/CPU-s", "windows/s",
         "GFLOP/mut", "GFLOP/s", "% of sgemm", "h / 142.7 M", "peak RSS MiB", "vs naive", "vs reference"];

    public static int Columns => Header.Length;

    internal static string F(double x) => x >= 100 ? x.ToString("F0") : x >= 1 ? x.ToString("F2") : x >= 0.01 ? x.ToString("G3") : x.ToString("0.000");

    /// <param name="flopsPerMutation">Arithmetic per mutation (the engine's FlopsPerMutation), for GFLOP/s and its share of <paramref name="sgemm"/>.</param>
    public static string[] Row(string shape, string engine, string batch, double setup, double? first, int count, double steady, double? steadyCpu, double rate,
        double? windowRate, double flopsPerMutation, double sgemm, double peakRss, string vsNaive, string vsReference, double? peakGpu = null)
    {
        double gflops = rate * flopsPerMutation / 1e9;
        return
        [
            shape, engine, batch, F(setup), first is { } f ? F(f) : "–", count.ToString(), F(steady), steadyCpu is { } c ? F(c) : "–", F(rate), steadyCpu is { } c2 ? F(count / c2) : "–",
            windowRate is { } w ? F(w) : "–", F(flopsPerMutation / 1e9), F(gflops), $"{gflops / sgemm:P0}", F(GenomeHours(rate)),
            peakGpu is { } g ? $"{peakRss:F0} (GPU {g:F0})" : peakRss.ToString("F0"), vsNaive, vsReference,
        ];
    }

    // Genome-wide saturation mutagenesis: 142.7 M mutations (issue 12), hours on this device at this rate.
    private static double GenomeHours(double rate) => 142.7e6 / rate / 3600;

    /// <summary>Prints a Markdown table (pasteable into the READMEs as is).</summary>
    public static void Print(List<string[]> rows)
    {
        Console.WriteLine("| " + string.Join(" | ", Header) + " |");
        Console.WriteLine("|" + string.Concat(Header.Select(_ => "---|")));
        foreach (string[] r in rows) Console.WriteLine("| " + string.Join(" | ", r) + " |");
    }
}
