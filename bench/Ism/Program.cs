using System.Diagnostics;
using ExPecto.Beluga.Ism;
using ExPecto.Core.Chromatin;
using ExPecto.Core.Transforms;
using TorchSharp;
using static TorchSharp.torch;

// Usage: expecto-bench-ism [reduced|full|all] [--device cpu|cuda:N] [--threads N]
// On a shared, oversubscribed machine --threads 1 gives steadier numbers (libtorch's thread barriers stall otherwise).
// Steady-state mutations/s: each engine first computes a set of mutations once (session setup and REF windows),
// then the same set again with every REF window cached, which is what one more mutation costs in a saturation run.
string which = args.FirstOrDefault(a => a is "reduced" or "full" or "all") ?? "all";
string device = "cpu";
int deviceArg = Array.IndexOf(args, "--device");
if (deviceArg >= 0 && deviceArg + 1 < args.Length) device = args[deviceArg + 1];
int threadsArg = Array.IndexOf(args, "--threads");
if (threadsArg >= 0 && threadsArg + 1 < args.Length) torch.set_num_threads(int.Parse(args[threadsArg + 1]));

Console.WriteLine($"torch threads: {torch.get_num_threads()}, device: {device}, {DateTime.UtcNow:u}");
var rows = new List<string[]>();
if (which is "reduced" or "all")
    rows.AddRange(Bench.Run("reduced 16/16/24/24/32/32, H 64", [16, 16, 24, 24, 32, 32], 64, device, naiveMutations: 12, incrementalMutations: 96));
if (which is "full" or "all")
    rows.AddRange(Bench.Run("full 320/320/480/480/640/640, H 2003", [320, 320, 480, 480, 640, 640], 2003, device, naiveMutations: 2, incrementalMutations: 24));

Console.WriteLine();
string[] header = ["shape", "engine", "open s", "first pass s", "mutations", "steady s", "steady CPU s", "mut/s", "mut/CPU-s", "vs naive (wall)", "vs naive (CPU)"];
var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
Console.WriteLine(string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))));
Console.WriteLine(string.Join("-|-", widths.Select(w => new string('-', w))));
foreach (string[] r in rows) Console.WriteLine(string.Join(" | ", r.Select((c, i) => c.PadRight(widths[i]))));

internal static class Bench
{
    private const int RegionLength = 7000;

    public static IEnumerable<string[]> Run(string shape, int[] channels, int hidden, string device, int naiveMutations, int incrementalMutations)
    {
        Console.WriteLine($"[{shape}] building random weights");
        Dictionary<string, Tensor> weights = RandomWeights(channels, hidden, 2002, seed: 7);
        byte[] region = RandomRegion(RegionLength, seed: 11);
        try
        {
            Measurement naive = Time(() => new NaiveDeltaEngine(weights, new DeltaEngineOptions { Device = device, MutationsPerBatch = 4 }), region, naiveMutations);
            Measurement inc = Time(() => new IncrementalDeltaEngine(weights, new DeltaEngineOptions { Device = device, MutationsPerBatch = 32 }), region, incrementalMutations);
            // Both engines start with the same mutations, so the naive ones double as an exactness check at this shape.
            double maxDiff = 0;
            for (int i = 0; i < naive.Deltas.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(naive.Deltas[i] - inc.Deltas[i]));
            Console.WriteLine($"  max |incremental − naive| over the first {naiveMutations} mutations: {maxDiff:G3} (max |Δ| {naive.Deltas.Max(Math.Abs):G3})");
            return [naive.Row(shape, "naive", naive), inc.Row(shape, "incremental", naive)];
        }
        finally
        {
            foreach (Tensor t in weights.Values) t.Dispose();
        }
    }

    internal static string F(double x) => x >= 100 ? x.ToString("F0") : x >= 1 ? x.ToString("F2") : x.ToString("G3");

    /// <summary>Seconds (wall and process CPU) for session open, the first Compute (fills REF caches) and a second Compute of the same mutations.</summary>
    private sealed record Measurement(int Count, double Open, double First, double SteadyWall, double SteadyCpu, float[] Deltas)
    {
        public double Rate => Count / SteadyWall;
        public double CpuRate => Count / SteadyCpu;

        public string[] Row(string shape, string name, Measurement baseline) =>
        [
            shape, name, F(Open), F(First), Count.ToString(), F(SteadyWall), F(SteadyCpu), F(Rate), F(CpuRate),
            $"{Rate / baseline.Rate:F1}×", $"{CpuRate / baseline.CpuRate:F1}×",
        ];
    }

    private static Measurement Time(Func<IMutationDeltaEngine> create, byte[] region, int count)
    {
        using IMutationDeltaEngine engine = create();
        // Saturation order: consecutive positions in the middle, all three ALTs each.
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
        Console.WriteLine($"  {engine.Name}: open {open:F2} s, first {first:F2} s, steady {steady:F2} s wall / {steadyCpu:F2} s CPU for {count} mutations");
        return new Measurement(count, open, first, steady, steadyCpu, deltas);
    }

    private static byte[] RandomRegion(int length, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => "ACGT"u8[rng.Next(4)]).ToArray();
    }

    /// <summary>Beluga-shaped state dict with He-scaled Gaussian weights (keys and 4D conv shapes as in PyTorch).</summary>
    private static Dictionary<string, Tensor> RandomWeights(int[] channels, int hidden, int features, int seed)
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
