using System.Diagnostics;
using System.Globalization;
using ExPecto.Coordinator;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;

// dotnet run -c Release --project bench/Cluster -- [genes=2000] [devices=4] [slots=2]
// dotnet run -c Release --project bench/Cluster -- load [genes=20000] [devices=4] [slots=8] [sample-seconds=30]
// Measures genes/s through the embedded cluster (lease, commit, job settlement, all persisted to SQLite) with
// a no-op engine, and the same engine in a plain loop; the difference per gene is the cluster's overhead.
// dotnet run -c Release --project bench/Cluster -- jobs [jobs=20] [genes=1000] [devices=4] [slots=8]
// (load and jobs use PostgreSQL when EXPECTO_BENCH_PG holds a connection string, else SQLite in a temp folder)
string? pg = Environment.GetEnvironmentVariable("EXPECTO_BENCH_PG") is { Length: > 0 } cs ? cs : null;
int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
if (args.Length > 0 && args[0] == "load")
    return await ExPecto.Bench.Cluster.LoadBench.RunAsync(Arg(1, 20000), Arg(2, 4), Arg(3, 8), TimeSpan.FromSeconds(Arg(4, 30)), pg);
if (args.Length > 0 && args[0] == "jobs")
    return await ExPecto.Bench.Cluster.JobsBench.RunAsync(Arg(1, 20), Arg(2, 1000), Arg(3, 4), Arg(4, 8), pg);

int genes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
int devices = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4;
int slots = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;

string root = Path.Combine(Path.GetTempPath(), "expecto-bench-cluster-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(root);
try
{
    foreach (string f in new[] { "genome.fa", "annotation.tsv", "beluga.pth", "models.txt" })
        File.WriteAllText(Path.Combine(root, f), f);
    var geneList = Enumerable.Range(0, genes).Select(i => new GeneRef($"G{i:D6}", $"chr{i % 22 + 1}")).ToList();
    JobSpec Spec(string engine, string outDir) => new(Path.Combine(root, "genome.fa"), Path.Combine(root, "annotation.tsv"),
        Path.Combine(root, "beluga.pth"), Path.Combine(root, "models.txt"), outDir, 1000, 0.3, engine, 64);

    // Baseline: the engine in a plain loop.
    var noop = new NoOpProcessor();
    var loopSpec = Spec(NoOpProcessor.EngineName, Path.Combine(root, "loop"));
    var sw = Stopwatch.StartNew();
    foreach (var g in geneList)
        await noop.ProcessAsync(new GeneWorkItem("j", g.GeneId, g.Chrom, loopSpec), CancellationToken.None);
    double loopS = sw.Elapsed.TotalSeconds;

    // The cluster: all roles in one process, SQLite checkpoints.
    var catalog = new EngineCatalog().Register(NoOpProcessor.EngineName, new NoOpFactory());
    DateTime? firstProgress = null;
    var runner = new EmbeddedRunner(catalog, new NoOpJobFinalizer())
    {
        Coordinator = new CoordinatorOptions { DispatchTick = TimeSpan.FromMilliseconds(500) },
        Worker = new WorkerOptions { Devices = string.Join(',', Enumerable.Range(0, devices).Select(d => $"cpu:{d}")), SlotsPerDevice = slots },
        Progress = _ => firstProgress ??= DateTime.UtcNow,
    };
    var clusterSpec = Spec(NoOpProcessor.EngineName, Path.Combine(root, "cluster"));
    sw.Restart();
    var result = await runner.RunAsync(clusterSpec, geneList, null, CancellationToken.None);
    double totalS = sw.Elapsed.TotalSeconds;
    double dispatchS = (DateTime.UtcNow - (firstProgress ?? DateTime.UtcNow)).TotalSeconds;
    if (!result.Complete) throw new InvalidOperationException("bench job did not complete");

    Console.WriteLine($"genes={genes} devices={devices} slots/device={slots} store=sqlite cores={Environment.ProcessorCount}");
    Console.WriteLine($"loop:    {loopS:F3} s  ({genes / Math.Max(loopS, 1e-9):F0} genes/s)");
    Console.WriteLine($"cluster: {dispatchS:F2} s from submission to finish ({genes / dispatchS:F1} genes/s, lease+commit+settle persisted); {totalS:F2} s with start-up and shutdown");
    Console.WriteLine($"overhead per gene: {(dispatchS - loopS) / genes * 1000:F2} ms");
}
finally
{
    try { Directory.Delete(root, recursive: true); } catch (IOException) { }
}
return 0;

/// <summary>An engine that computes nothing and writes nothing: what remains is the cluster's own cost.</summary>
internal sealed class NoOpProcessor : IGeneProcessor
{
    public const string EngineName = "noop";
    private static readonly GeneOutcome Empty = new(0, 0, [], "");

    public Task<GeneOutcome> ProcessAsync(GeneWorkItem item, CancellationToken ct) => Task.FromResult(Empty);
}

internal sealed class NoOpFactory : IGeneProcessorFactory
{
    public IGeneProcessor Create(string device) => new NoOpProcessor();

    public IReadOnlyCollection<string> Parameters { get; } = [];
}
