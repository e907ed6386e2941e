using ExPecto.TestHooks;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ExPecto.Coordinator;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using Microsoft.Data.Sqlite;
using ExPecto.Protocol;

namespace ExPecto.Bench.Cluster;

/// <summary>
/// The load benchmark: one job of many genes through the embedded cluster (coordinator and workers in this
/// process, SQLite checkpoints) with the "fake" engine at zero delay, sampling at intervals the process's memory
/// (VmRSS, peak VmHWM, managed heap as found and after a forced full GC), the checkpoint store's size (database +
/// WAL files, rows per table) and the genes committed so far. One more sample is taken when the job has finished but
/// the cluster still runs. Prints one table of samples, the per-gene slopes of RSS and live managed heap, and a summary.
/// </summary>
internal static class LoadBench
{
    /// <param name="LiveBytes">Managed heap after a forced, blocking full collection: what is still referenced.</param>
    /// <param name="Running">Taken while the cluster ran (false: after shutdown).</param>
    private sealed record Sample(double Seconds, int Committed, long RssKb, long HwmKb, long ManagedBytes, long LiveBytes, long DbBytes, long WalBytes,
        IReadOnlyDictionary<string, long> Rows, bool Running = true);

    public static async Task<int> RunAsync(int genes, int devices, int slots, TimeSpan interval, string? pg = null)
    {
        string root = Path.Combine(Path.GetTempPath(), "expecto-bench-load-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            foreach (string f in new[] { "genome.fa", "annotation.tsv", "beluga.pth", "models.txt" })
                File.WriteAllText(Path.Combine(root, f), f);
            var geneList = Enumerable.Range(0, genes).Select(i => new GeneRef($"G{i:D6}", $"chr{i % 22 + 1}")).ToList();
            var spec = new JobSpec(Path.Combine(root, "genome.fa"), Path.Combine(root, "annotation.tsv"), Path.Combine(root, "beluga.pth"),
                Path.Combine(root, "models.txt"), Path.Combine(root, "out"), 1000, 0.3, FakeGeneProcessor.EngineName, 64);
            string db = Path.Combine(root, "state", "checkpoints.db");
            var persistence = pg is null ? new PersistenceOptions { SqliteFile = db } : new PersistenceOptions { Provider = "postgresql", ConnectionString = pg, SqliteFile = db }; // SqliteFile: where EmbeddedRunner puts run.log
            var stats = new StoreStats(pg is null ? db : null, pg);

            int committed = 0;
            DateTime? submitted = null;
            var samples = new List<Sample>();
            var clock = Stopwatch.StartNew();
            var runner = new EmbeddedRunner(FakeEngine.Catalog(), new GenesTableFinalizer())
            {
                Persistence = persistence,
                Worker = new WorkerOptions { Devices = string.Join(',', Enumerable.Range(0, devices).Select(d => $"cpu:{d}")), SlotsPerDevice = slots },
                Progress = v =>
                {
                    submitted ??= DateTime.UtcNow;
                    Volatile.Write(ref committed, v.Committed);
                    // The job is done but the cluster still runs: everything the coordinator keeps per gene is here.
                    if (v.Phase.IsFinished())
                    {
                        var s = Take(clock.Elapsed.TotalSeconds, v.Committed, db, stats);
                        lock (samples) samples.Add(s);
                    }
                },
            };
            using var stop = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try { await Task.Delay(interval, stop.Token); }
                    catch (OperationCanceledException) { break; }
                    var s = Take(clock.Elapsed.TotalSeconds, Volatile.Read(ref committed), db, stats);
                    lock (samples) samples.Add(s);
                    Console.Error.WriteLine($"  {s.Seconds,7:F0} s  {s.Committed,6} committed  RSS {s.RssKb / 1024.0,7:F1} MiB  store {(s.DbBytes + s.WalBytes) / 1048576.0,7:F1} MiB");
                }
            });
            var result = await runner.RunAsync(spec, geneList, db, CancellationToken.None);
            double finishedAt = clock.Elapsed.TotalSeconds;
            double dispatchS = (DateTime.UtcNow - (submitted ?? DateTime.UtcNow)).TotalSeconds;
            stop.Cancel();
            await sampler;
            // After shutdown: the store's final size (WAL checkpointed or not, as left on disk).
            var last = Take(clock.Elapsed.TotalSeconds, result.Status?.Committed ?? committed, db, stats) with { Running = false };
            samples.Add(last);
            if (!result.Complete) throw new InvalidOperationException("load job did not complete");

            Console.WriteLine(Report(genes, devices, slots, stats.Name, samples, dispatchS, finishedAt));
            return 0;
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static Sample Take(double seconds, int committed, string db, StoreStats stats)
    {
        var (rss, hwm) = StoreStats.ReadProcStatus();
        var store = stats.Take();
        long managed = GC.GetTotalMemory(false);
        long live = GC.GetTotalMemory(forceFullCollection: true);
        // SQLite: database and WAL files apart; PostgreSQL: the database's size in the first column.
        long dbBytes = File.Exists(db) ? Size(db) : store.Bytes;
        return new Sample(seconds, committed, rss, hwm, managed, live, dbBytes, Size(db + "-wal"), store.Rows);
    }

    /// <summary>Least-squares slope of <paramref name="y"/> against genes committed (NaN with fewer than two distinct counts).</summary>
    private static double Slope(IReadOnlyList<Sample> samples, Func<Sample, double> y)
    {
        if (samples.Select(s => s.Committed).Distinct().Count() < 2) return double.NaN;
        double mx = samples.Average(s => (double)s.Committed), my = samples.Average(y);
        double sxy = samples.Sum(s => (s.Committed - mx) * (y(s) - my)), sxx = samples.Sum(s => (s.Committed - mx) * (s.Committed - mx));
        return sxy / sxx;
    }

    private static long Size(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static string Report(int genes, int devices, int slots, string store, List<Sample> taken, double dispatchS, double totalS)
    {
        var samples = taken.OrderBy(s => s.Seconds).ToList();
        var tables = samples.SelectMany(s => s.Rows.Keys).Distinct().OrderBy(t => t, StringComparer.Ordinal).ToList();
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"load: genes={genes} engine=fake(0 ms) devices={devices} slots/device={slots} store={store} cores={Environment.ProcessorCount} date={DateTime.UtcNow:yyyy-MM-dd HH:mm}Z");
        sb.Append("| t s | committed | RSS MiB | peak RSS MiB | managed MiB | live MiB (forced GC) | db MiB | wal MiB |");
        foreach (string t in tables) sb.Append(' ').Append(t).Append(" rows |");
        sb.AppendLine();
        sb.Append("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (string _ in tables) sb.Append("---:|");
        sb.AppendLine();
        foreach (var s in samples)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {s.Seconds:F0} | {s.Committed} | {s.RssKb / 1024.0:F1} | {s.HwmKb / 1024.0:F1} | {s.ManagedBytes / 1048576.0:F1} | {s.LiveBytes / 1048576.0:F1} | {s.DbBytes / 1048576.0:F2} | {s.WalBytes / 1048576.0:F2} |");
            foreach (string t in tables) sb.Append(' ').Append(s.Rows.TryGetValue(t, out long n) ? n.ToString(CultureInfo.InvariantCulture) : "–").Append(" |");
            sb.AppendLine();
        }
        var end = samples[^1];
        // Growth per gene while the cluster runs, least squares over the samples against genes committed: the
        // forced-GC figure has no collector slack in it, RSS has all of it.
        var running = samples.Where(s => s.Running).ToList();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"per committed gene (least squares over {running.Count} samples while running): live managed heap {Slope(running, s => s.LiveBytes):F0} B, RSS {Slope(running, s => s.RssKb * 1024.0):F0} B");
        if (running.Count > 0)
        {
            var first = running[0];
            var done = running[^1];
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"live managed heap: {first.LiveBytes / 1048576.0:F1} MiB at {first.Committed} genes → {done.LiveBytes / 1048576.0:F1} MiB at {done.Committed} (job finished, cluster up); {end.LiveBytes / 1048576.0:F1} MiB after shutdown");
        }
        long peakHwm = samples.Max(s => s.HwmKb);
        double storeMiB = (end.DbBytes + end.WalBytes) / 1048576.0;
        sb.AppendLine(CultureInfo.InvariantCulture, $"throughput: {genes / dispatchS:F1} genes/s ({dispatchS:F1} s from submission to finish; {totalS:F1} s with start-up and shutdown)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"peak RSS (VmHWM): {peakHwm / 1024.0:F1} MiB; store at the end: {storeMiB:F2} MiB ({storeMiB * 1024 / genes:F2} KiB/gene)");
        foreach (string t in tables)
            if (end.Rows.TryGetValue(t, out long n))
                sb.AppendLine(CultureInfo.InvariantCulture, $"  {t}: {n} rows ({(double)n / genes:F2} per gene)");
        return sb.ToString();
    }
}
