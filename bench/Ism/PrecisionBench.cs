using System.Diagnostics;
using System.Globalization;
using ExPecto.Beluga;
using ExPecto.Beluga.Ism;
using ExPecto.Core.Chromatin;
using ExPecto.Core.Effects;
using ExPecto.Core.Genome;
using ExPecto.Core.Models;
using ExPecto.Core.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace ExPecto.Bench.Ism;

/// <summary>
/// `expecto-bench-ism precision`: each precision mode (fp32 and every other the device runs) at the full Beluga shape,
/// its steady mut/s, and how far it moves chromatin deltas and — through ExPecto's 218 real tissue models — effects
/// from fp32: max |effect error| and the share of |effect| ≥ 0.3 calls that flip (strong ↔ not strong, or sign).
/// The Beluga weights are random (He-scaled, the shape of deepsea.beluga.pth); the sequence is real hg19 chr20.
/// </summary>
internal static class PrecisionBench
{
    // ExPecto's strong-effect cut, and a tenth of it: random Beluga weights (the real ones are not in ../shared) give
    // effects up to ≈ 0.1-0.2 through the real tissue models, so 0.3 may see no call at all.
    private static readonly double[] s_cuts = [0.3, 0.03];
    // hg19 chr20, 1-based, near HNF4A's P1 promoter; the mutated positions are around it.
    private const long Tss = 43_029_900;
    private const int RegionLength = 7000;

    public static int Run(string device, int mutations, IReadOnlyList<string> engines, IReadOnlyList<ComputePrecision>? precisions, int batch)
    {
        string? modelList = SharedData.Find("expecto/resources/modellist", out string why);
        string? chr20 = SharedData.Find("hg19_chr20/hg19_chr20.fa.gz", out string whyChr20);
        if (modelList is null) Console.WriteLine($"precision bench: effect errors SKIPPED (ExPecto's real tissue models are needed: {why}); speeds and Δ errors only");
        if (chr20 is null) Console.WriteLine($"precision bench: hg19 chr20 absent ({whyChr20}); a random sequence instead");
        torch.Device dev = TorchDevices.Parse(device);
        precisions ??= Enum.GetValues<ComputePrecision>().Where(p => Runs(dev, p, device)).ToList();
        if (!precisions.Contains(ComputePrecision.Fp32)) precisions = [ComputePrecision.Fp32, .. precisions];
        foreach (var p in precisions) TorchDevices.CheckPrecision(dev, p, device); // a mode asked for but not runnable: say so and stop

        var models = modelList is null ? null : TissueModelSet.Load(modelList, 2002, Path.GetDirectoryName(Path.GetDirectoryName(modelList)));
        var projector = models is null ? null : new ExpectoEffectProjector(models);
        byte[] region = new byte[RegionLength];
        if (chr20 is not null)
        {
            using var genome = IndexedFasta.Open(chr20);
            genome.Fetch("chr20", Tss - 1 - RegionLength / 2, region);
        }
        else
        {
            var rng = new Random(11);
            for (int i = 0; i < region.Length; i++) region[i] = (byte)"ACGT"[rng.Next(4)];
        }
        var batchMutations = new PointMutation[mutations];
        var distances = new int[mutations];
        for (int i = 0; i < mutations; i++)
        {
            int offset = RegionLength / 2 + i / 3 - mutations / 6;
            byte[] others = "ACGT"u8.ToArray().Where(b => b != region[offset]).ToArray();
            batchMutations[i] = new PointMutation(offset, others[i % 3]);
            distances[i] = offset - RegionLength / 2;
        }

        Console.WriteLine($"[precision] full shape 320/320/480/480/640/640, H 2003, random weights; {(chr20 is null ? "random sequence" : $"real hg19 chr20 around {Tss:N0}")}; " +
                          $"{mutations} mutations; {models?.Count ?? 0} real ExPecto tissue models; device {device}; batch {batch}");
        Dictionary<string, Tensor> weights = global::Bench.RandomWeights([320, 320, 480, 480, 640, 640], 2003, 2002, seed: 7);
        var rows = new List<string[]>();
        try
        {
            foreach (string engineName in engines)
            {
                (float[] Deltas, float[] Effects, double Rate)? exact = null;
                // The naive engine runs 18 full windows a mutation: an eighth of the mutations (at least 3) keeps it to minutes.
                int n = engineName == DeltaEngines.Naive ? Math.Min(mutations, Math.Max(3, mutations / 8)) : mutations;
                foreach (ComputePrecision p in precisions)
                {
                    var (deltas, rate) = Measure(engineName, weights, device, p, batch, region, batchMutations[..n]);
                    var effects = new float[n * (models?.Count ?? 0)];
                    projector?.Project(deltas, distances.AsSpan(0, n), +1, effects);
                    exact ??= (deltas, effects, rate);
                    rows.Add(Row(engineName, p, n, rate, exact.Value, deltas, effects));
                }
            }
        }
        finally
        {
            foreach (Tensor t in weights.Values) t.Dispose();
        }
        Console.WriteLine();
        string[] header = ["engine", "precision", "mutations", "mut/s", "vs fp32", "max |Δ err|", "max |effect|", "max |effect err|",
            .. s_cuts.Select(c => $"calls |e| ≥ {c} (fp32): flipped")];
        Console.WriteLine("| " + string.Join(" | ", header) + " |");
        Console.WriteLine("|" + string.Concat(header.Select(_ => "---|")));
        foreach (var r in rows) Console.WriteLine("| " + string.Join(" | ", r) + " |");
        Console.WriteLine("(errors against the same engine at fp32 over mutations × tissues; a call flips when |effect| ≥ cut holds at one precision and not the other, or its sign differs)");
        return 0;
    }

    private static bool Runs(torch.Device device, ComputePrecision p, string option)
    {
        try
        {
            TorchDevices.CheckPrecision(device, p, option);
            return true;
        }
        catch (ExPecto.Core.InputException)
        {
            return false;
        }
    }

    /// <summary>Steady mutations/s (second pass, REF caches warm) and the deltas.</summary>
    private static (float[] Deltas, double Rate) Measure(string engineName, Dictionary<string, Tensor> weights, string device, ComputePrecision p, int batch,
        byte[] region, PointMutation[] mutations)
    {
        using var engine = DeltaEngines.Create(engineName, weights, new DeltaEngineOptions { Device = device, MutationsPerBatch = batch, Precision = p });
        var deltas = new float[mutations.Length * VariantShifts.All.Length * engine.FeatureCount];
        var clock = Stopwatch.StartNew();
        using var session = engine.Open(region);
        double open = clock.Elapsed.TotalSeconds;
        clock.Restart();
        session.Compute(mutations, deltas);
        double first = clock.Elapsed.TotalSeconds;
        clock.Restart();
        session.Compute(mutations, deltas);
        double steady = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  {engineName} {p.Name()}: open {open:F2} s, first {first:F2} s, steady {steady:F2} s for {mutations.Length} mutations");
        return (deltas, mutations.Length / steady);
    }

    private static string[] Row(string engine, ComputePrecision p, int n, double rate, (float[] Deltas, float[] Effects, double Rate) exact, float[] deltas, float[] effects)
    {
        double deltaErr = 0, effectErr = 0, maxEffect = 0;
        for (int i = 0; i < deltas.Length; i++) deltaErr = Math.Max(deltaErr, Math.Abs(deltas[i] - exact.Deltas[i]));
        var calls = new int[s_cuts.Length];
        var flipped = new int[s_cuts.Length];
        for (int i = 0; i < effects.Length; i++)
        {
            float a = exact.Effects[i], b = effects[i];
            maxEffect = Math.Max(maxEffect, Math.Abs(a));
            effectErr = Math.Max(effectErr, Math.Abs(a - b));
            for (int c = 0; c < s_cuts.Length; c++)
            {
                bool strongA = Math.Abs(a) >= s_cuts[c], strongB = Math.Abs(b) >= s_cuts[c];
                if (strongA) calls[c]++;
                if (strongA != strongB || (strongA && Math.Sign(a) != Math.Sign(b))) flipped[c]++;
            }
        }
        string Flips(int c) => calls[c] == 0 ? $"0: {flipped[c]} (no call)"
            : $"{calls[c]}: {flipped[c]} = {(flipped[c] / (double)calls[c]).ToString("P2", CultureInfo.InvariantCulture)}";
        return [engine, p.Name(), n.ToString(CultureInfo.InvariantCulture), global::Table.F(rate), $"{rate / exact.Rate:F2}×", deltaErr.ToString("G3", CultureInfo.InvariantCulture),
            maxEffect.ToString("G3", CultureInfo.InvariantCulture), effectErr.ToString("G3", CultureInfo.InvariantCulture),
            .. Enumerable.Range(0, s_cuts.Length).Select(Flips)];
    }
}
