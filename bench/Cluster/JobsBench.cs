using System.Diagnostics;
using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using ExPecto.Coordinator;
using ExPecto.Hosting;
using ExPecto.Protocol;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using ExPecto.TestHooks;
using ExPecto.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ExPecto.Bench.Cluster;

/// <summary>
/// Consecutive jobs through one long-running embedded cluster (coordinator and worker in this process, like a
/// coordinator that runs weekly schedules): after each job has finished and its gene journals are deleted, the live
/// managed heap (after a forced full GC), RSS, journal and snapshot rows and the store's size. Then the least-squares
/// slope of each per job, and whether it is flat: a slope under 5 % of what the first job added (its footprint, were
/// it kept) or under a noise floor.
/// </summary>
internal static class JobsBench
{
    private sealed record Sample(int Job, double Seconds, long LiveBytes, long RssKb, long JournalRows, long SnapshotRows, long StoreBytes, long GeneRows)
    {
        public IReadOnlyDictionary<string, long> Rows { get; init; } = new Dictionary<string, long>();
    }

    public static async Task<int> RunAsync(int jobs, int genes, int devices, int slots, string? pg)
    {
        string root = Path.Combine(Path.GetTempPath(), "expecto-bench-jobs-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            foreach (string f in new[] { "genome.fa", "annotation.tsv", "beluga.pth", "models.txt" })
                File.WriteAllText(Path.Combine(root, f), f);
            string db = Path.Combine(root, "state", "checkpoints.db");
            var persistence = pg is null
                ? new PersistenceOptions { SqliteFile = db }
                : new PersistenceOptions { Provider = "postgresql", ConnectionString = pg };
            var stats = new StoreStats(pg is null ? db : null, pg);
            var cluster = new ClusterNodeOptions { Port = 0, Seeds = "", LogLevel = "WARNING", LogFile = Path.Combine(root, "run.log") };
            var worker = new WorkerOptions { Devices = string.Join(',', Enumerable.Range(0, devices).Select(d => $"cpu:{d}")), SlotsPerDevice = slots };
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Services.AddAkka(cluster.SystemName, (akka, _) => akka
                .WithExPectoCluster(cluster, Roles.Coordinator, Roles.Worker)
                .WithExPectoPersistence(persistence)
                .WithExPectoCoordinator(new CoordinatorOptions(), persistence, new GenesTableFinalizer())
                .WithExPectoWorker(worker, FakeEngine.Catalog(), withProxies: false));
            using var host = builder.Build();
            await host.StartAsync();
            var samples = new List<Sample>();
            var clock = Stopwatch.StartNew();
            try
            {
                var jm = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<JobManager>();
                samples.Add(Take(0, clock, stats));
                for (int j = 1; j <= jobs; j++)
                {
                    var geneList = Enumerable.Range(0, genes).Select(i => new GeneRef($"J{j:D3}G{i:D6}", $"chr{i % 22 + 1}")).ToList();
                    var spec = new JobSpec(Path.Combine(root, "genome.fa"), Path.Combine(root, "annotation.tsv"), Path.Combine(root, "beluga.pth"),
                        Path.Combine(root, "models.txt"), Path.Combine(root, "out", $"job{j:D3}"), 1000, 0.3, FakeGeneProcessor.EngineName, 64);
                    var digests = JobIdentity.DigestInputs(spec);
                    string jobId = JobIdentity.Compute(digests, spec, geneList);
                    var started = clock.Elapsed;
                    await AskAsync<SubmitJobResponse>(jm, new SubmitJob(jobId, spec, digests, geneList));
                    while (true)
                    {
                        var view = (await AskAsync<JobStatusResponse>(jm, new GetJobStatus(jobId))).Jobs.Single();
                        if (view.Phase.IsFinished()) break;
                        await Task.Delay(100);
                    }
                    double took = (clock.Elapsed - started).TotalSeconds;
                    // The job is finished; its gene journals go in the background, then the job is compacted.
                    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                    while (stats.Take().GeneRows > 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
                    await Task.Delay(200); // the compaction event follows the purge
                    // The job's outputs are not the coordinator's: delete them so the temp folder stays small.
                    Directory.Delete(spec.OutputDir, recursive: true);
                    var s = Take(j, clock, stats);
                    samples.Add(s);
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  job {j,3}: {took,6:F1} s ({genes / took,6:F1} genes/s)  live {s.LiveBytes / 1048576.0,6:F1} MiB  RSS {s.RssKb / 1024.0,6:F1} MiB  journal {s.JournalRows,6} (job manager {s.Rows.GetValueOrDefault("journal: job manager")}, sharding {s.Rows.GetValueOrDefault("journal: sharding")}, other {s.Rows.GetValueOrDefault("journal: other")})  snapshot {s.SnapshotRows}  store {s.StoreBytes / 1048576.0,6:F2} MiB  gene rows {s.GeneRows}"));
                }
            }
            finally
            {
                await host.StopAsync();
            }
            Console.WriteLine(Report(jobs, genes, devices, slots, stats.Name, samples));
            return 0;
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Asks, retrying while the singleton starts (every command here is idempotent).</summary>
    private static async Task<T> AskAsync<T>(IActorRef target, object message)
    {
        for (int i = 1; ; i++)
        {
            try { return await target.Ask<T>(message, TimeSpan.FromSeconds(10)); }
            catch (AskTimeoutException) when (i < 30) { }
        }
    }

    private static Sample Take(int job, Stopwatch clock, StoreStats stats)
    {
        long live = GC.GetTotalMemory(forceFullCollection: true);
        var (rss, _) = StoreStats.ReadProcStatus();
        var store = stats.Take();
        return new Sample(job, clock.Elapsed.TotalSeconds, live, rss, store.Rows.GetValueOrDefault("journal"), store.Rows.GetValueOrDefault("snapshot"),
            store.Bytes, store.GeneRows) { Rows = store.Rows };
    }

    /// <summary>Least-squares slope of <paramref name="y"/> per job over the samples after each job.</summary>
    private static double Slope(IReadOnlyList<Sample> samples, Func<Sample, double> y)
    {
        double mx = samples.Average(s => (double)s.Job), my = samples.Average(y);
        double sxx = samples.Sum(s => (s.Job - mx) * (s.Job - mx));
        return sxx == 0 ? double.NaN : samples.Sum(s => (s.Job - mx) * (y(s) - my)) / sxx;
    }

    private static string Report(int jobs, int genes, int devices, int slots, string store, List<Sample> samples)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"jobs: {jobs} × {genes} genes, engine=fake(0 ms) devices={devices} slots/device={slots} store={store} cores={Environment.ProcessorCount} date={DateTime.UtcNow:yyyy-MM-dd HH:mm}Z");
        sb.AppendLine("| after job | t s | live heap MiB (forced GC) | RSS MiB | journal rows | snapshot rows | store MiB | gene rows |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in samples)
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Job} | {s.Seconds:F0} | {s.LiveBytes / 1048576.0:F2} | {s.RssKb / 1024.0:F1} | {s.JournalRows} | {s.SnapshotRows} | {s.StoreBytes / 1048576.0:F2} | {s.GeneRows} |");
        // The first job warms up (JIT, pools, tables created); slopes over jobs 2..n.
        var after = samples.Where(s => s.Job >= 2).ToList();
        var first = samples.Single(s => s.Job == 1);
        var zero = samples.Single(s => s.Job == 0);
        sb.AppendLine(CultureInfo.InvariantCulture, $"slope per job over jobs 2..{jobs} (least squares); flat = under 5 % of what job 1 added, or under the noise floor:");
        Line("live heap", s => s.LiveBytes, 256 * 1024, "B");
        Line("RSS", s => s.RssKb * 1024.0, 4 * 1048576, "B");
        Line("journal rows", s => s.JournalRows, 1, "rows");
        Line("snapshot rows", s => s.SnapshotRows, 1, "rows");
        Line("store size", s => s.StoreBytes, 64 * 1024, "B");
        return sb.ToString();

        void Line(string what, Func<Sample, double> y, double floor, string unit)
        {
            if (after.Count < 2)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  {what}: too few jobs for a slope");
                return;
            }
            double slope = Slope(after, y);
            double footprint = Math.Abs(y(first) - y(zero));
            bool flat = Math.Abs(slope) <= Math.Max(0.05 * footprint, floor);
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"  {what}: {slope:F0} {unit}/job (job 1 added {footprint:F0} {unit}; {(flat ? "flat" : "NOT flat")})");
        }
    }
}
