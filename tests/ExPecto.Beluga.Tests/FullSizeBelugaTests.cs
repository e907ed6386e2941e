using System.Diagnostics;
using ExPecto.Beluga.Weights;

namespace ExPecto.Beluga.Tests;

/// <summary>
/// The full-size network (149.5 M parameters, a 598 MB state dict written by our writer into a temp folder and
/// deleted afterwards) loads and scores on CPU. Prints time and peak memory: run with
/// <c>dotnet test tests/ExPecto.Beluga.Tests --filter Category=Slow --logger "console;verbosity=detailed"</c>.
/// </summary>
public class FullSizeBelugaTests(ITestOutputHelper output)
{
    private const int Windows = 2;

    [Fact]
    [Trait("Category", "Slow")]
    public void Full_size_random_beluga_writes_loads_and_scores_a_batch_on_cpu()
    {
        string dir = Path.Combine(Path.GetTempPath(), "expecto-beluga-full-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "beluga_random_full.pth");
            var clock = Stopwatch.StartNew();
            var weights = BelugaWeights.Random(BelugaShape.Full, seed: 2026);
            float[] fc2Bias = weights["model.1.4.1.bias"].Data;
            double generate = clock.Elapsed.TotalSeconds;
            PyTorchStateDictWriter.Write(path, weights);
            double write = clock.Elapsed.TotalSeconds - generate;
            long fileBytes = new FileInfo(path).Length;
            weights = null;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            long rssBefore = ProcStatusKb("VmRSS");
            bool reset = ResetPeakRss();

            clock.Restart();
            using var model = TorchChromatinModel.Load(path, new TorchChromatinOptions { Threads = Environment.ProcessorCount, BatchSize = Windows });
            double load = clock.Elapsed.TotalSeconds;
            long peakAfterLoad = ProcStatusKb("VmHWM");

            var rng = new Random(5);
            var windows = new byte[Windows * model.WindowLength];
            for (int i = 0; i < windows.Length; i++) windows[i] = "ACGT"u8[rng.Next(4)];
            var scores = new float[Windows * model.FeatureCount];
            clock.Restart();
            model.Predict(windows, Windows, scores);
            double predict = clock.Elapsed.TotalSeconds;
            long peak = ProcStatusKb("VmHWM");

            output.WriteLine($"full Beluga: {BelugaShape.Full.ParameterCount:N0} parameters, file {fileBytes / 1e6:F1} MB");
            output.WriteLine($"generate {generate:F1} s, write {write:F1} s, load {load:F1} s, predict {Windows} windows (fwd+rc = {2 * Windows} passes) {predict:F1} s on {Environment.ProcessorCount} threads");
            output.WriteLine($"RSS before load {rssBefore / 1024} MB; peak RSS {(reset ? "since load began" : "of the process")}: after load {peakAfterLoad / 1024} MB, after predict {peak / 1024} MB");

            Assert.Equal(BelugaShape.Full, model.Shape);
            Assert.Equal(2002, model.FeatureCount);
            Assert.True(fileBytes > 598_000_000);
            Assert.Equal(fc2Bias, model.Parameter("model.1.4.1.bias").data<float>().ToArray());
            Assert.All(scores, s => Assert.InRange(s, 0f, 1f));
            Assert.True(scores.Distinct().Count() > 100, "outputs should vary across features and windows");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Linux: writing 5 to clear_refs resets VmHWM, so the peak measures loading, not generating.</summary>
    private static bool ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long ProcStatusKb(string field)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return -1;
        foreach (string line in File.ReadLines(path))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(field.Length + 1).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return -1;
    }
}
