using System.Text.RegularExpressions;
using ExPecto.Protocol.Jobs;
using ExPecto.Testing;

namespace ExPecto.Cluster.Tests.Processes;

/// <summary>
/// The uninterrupted reference of the real-engine kill tests: `expecto run` (embedded, one process) of the job —
/// the incremental engine with the bundled demo weights, 12 demo genes, radius 40 — and what its output folder
/// holds (Parquet effects and strong effects per gene, genes.parquet, manifest.json, _SUCCESS).
/// </summary>
public sealed class RealEngineFixture : IAsyncLifetime
{
    // ≈ 0.2 s a gene on the 2-core machine: long enough that the tests' 100 ms polls find a worker inside one (at
    // radius 10 a gene took ≈ 0.05 s with the engine's two batch threads, and a job could finish between polls).
    public const int Radius = 40;
    private readonly TempDir _tmp = new();
    public IReadOnlyList<string> Genes { get; private set; } = [];
    internal SortedDictionary<string, string> Reference { get; private set; } = null!;

    /// <summary>The job's CLI arguments (the demo's genome, annotation and weights are the defaults).</summary>
    public IEnumerable<string> JobArgs(string outDir) =>
        ["--genes", string.Join(',', Genes), "--radius", Radius.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "--engine", "incremental", "--batch-size", "16", "--out", outDir];

    public async ValueTask InitializeAsync()
    {
        // The first 12 genes of the demo BED (both strands); their files go to effects/chrom=chr20/.
        Genes = File.ReadLines(Path.Combine(TestPaths.RepoRoot, "demo", "genes.bed"))
            .Select(l => l.Split('\t')[3]).Take(12).ToList();
        string refOut = _tmp.Sub("reference");
        // Also writes the demo weights on first use, before any cluster node reads them.
        var run = NodeProcess.Start("reference", NodeProcess.Expecto, ["run", .. JobArgs(refOut), "--admin", "127.0.0.1:0"], new Dictionary<string, string>());
        using (run)
        {
            int rc = await run.WaitForExitAsync(TimeSpan.FromSeconds(300));
            Assert.True(rc == 0, $"the reference run exited {rc}:\n{run.Tail()}");
        }
        Reference = OutputSnapshot.Of(refOut);
        Assert.Equal(Genes.Count, Reference.Keys.Count(k => k.StartsWith("effects/", StringComparison.Ordinal) && k.EndsWith(".parquet", StringComparison.Ordinal)));
        Assert.Contains(JobManifest.SuccessMarker, Reference.Keys);
    }

    public ValueTask DisposeAsync()
    {
        _tmp.Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Kill tests with the real engine (issue 13, item 3): while the incremental engine writes Parquet, a worker is
/// SIGKILLed in the middle of a gene, or the coordinator inside a gene commit, on SQLite and on PostgreSQL. Each
/// test first shows that the fault struck where it should, then that every output file is byte-identical to the
/// uninterrupted `expecto run` of the same job (no file more, none less, no temp file left).
/// </summary>
[Collection(ProcessCollection.Name)]
[Trait("Category", "Fault")]
public sealed class RealEngineKillTests(RealEngineFixture fixture) : IClassFixture<RealEngineFixture>, IDisposable
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(240);
    private readonly LoopbackCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    private static int EffectFiles(string outDir)
    {
        string dir = Path.Combine(outDir, "effects");
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*.parquet", SearchOption.AllDirectories).Count() : 0;
    }

    private static bool HasEffects(string outDir, string gene) =>
        Directory.Exists(Path.Combine(outDir, "effects")) &&
        Directory.EnumerateFiles(Path.Combine(outDir, "effects"), gene + ".parquet", SearchOption.AllDirectories).Any();

    private static readonly Regex Processing = new(@"processing gene (ENSG\d+) of job (j[0-9a-f]{16}) \(attempt (\d+)\)");

    /// <summary>The gene a worker's engine is running now: the last one it started whose effects file is not written yet.</summary>
    private static string? RunningGene(NodeProcess worker, string outDir)
    {
        var started = Processing.Matches(worker.Log);
        if (started.Count == 0) return null;
        string gene = started[^1].Groups[1].Value;
        return HasEffects(outDir, gene) ? null : gene;
    }

    private void AssertEqualsReference(string outDir)
    {
        var actual = OutputSnapshot.Of(outDir);
        Assert.Equal(fixture.Reference.Keys, actual.Keys);
        foreach (var (file, sha) in fixture.Reference)
            Assert.True(sha == actual[file], $"{file} differs from the uninterrupted run's");
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_worker_SIGKILLed_mid_gene_leaves_Parquet_output_identical_to_an_uninterrupted_run(string store)
    {
        using var pg = PostgresDatabase.For(store);
        var env = ClusterFixture.FastEnv(pg?.ConnectionString);
        string outDir = _cluster.Sub("out");
        _cluster.StartAll(env);
        string jobId = await _cluster.SubmitAsync(fixture.JobArgs(outDir), env);

        // A victim in the middle of a gene, once a few genes are written: its engine started the gene, no file yet.
        // A demo gene takes ~0.1 s, so the victim is frozen (SIGSTOP) first and the gene checked again: if it was
        // written in between, the victim goes on and the search with it.
        NodeProcess? victim = null;
        string? gene = null;
        await _cluster.WaitForAsync(() =>
        {
            if (EffectFiles(outDir) < 2) return false;
            victim = _cluster.Workers.FirstOrDefault(w => RunningGene(w, outDir) is not null);
            gene = victim is null ? null : RunningGene(victim, outDir);
            if (gene is null) return false;
            victim!.Freeze();
            if (!HasEffects(outDir, gene)) return true;
            victim.Thaw();
            return false;
        }, JobTimeout, "a worker in the middle of a gene");
        victim!.KillHard();
        Assert.True(victim.Gone, $"{victim.Name} (pid {victim.Pid}) is still there after SIGKILL");
        Assert.False(HasEffects(outDir, gene!), $"{gene} was written before the kill landed");
        Assert.False(LoopbackCluster.Succeeded(outDir), "the job finished before the worker was killed");
        _cluster.Note($"killed {victim.Name} in gene {gene} at {EffectFiles(outDir)} effects file(s)");
        _cluster.StartWorker(victim.Name + ".2", env);

        await _cluster.WaitForAsync(() => LoopbackCluster.Succeeded(outDir), JobTimeout, "_SUCCESS after the worker kill");
        // The victim's lease of that gene was revoked and the gene ran again, from scratch, elsewhere.
        Assert.NotEmpty(_cluster.CoordinatorLines($@"gene {gene} of job {jobId}: lease ended"));
        Assert.Contains(_cluster.Workers.Where(w => w != victim), w => Processing.Matches(w.Log).Any(m => m.Groups[1].Value == gene));
        AssertEqualsReference(outDir);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_coordinator_SIGKILLed_inside_gene_commits_leaves_Parquet_output_identical_to_an_uninterrupted_run(string store)
    {
        using var pg = PostgresDatabase.For(store);
        var env = ClusterFixture.FastEnv(pg?.ConnectionString);
        string outDir = _cluster.Sub("out");
        // First incarnation: SIGKILL right after its 4th commit is in the journal (before the ack and the settlement);
        // second: right before its 2nd commit is persisted. The third finishes the job.
        _cluster.StartAll(env, coordinatorEnv: new Dictionary<string, string>
        {
            ["EXPECTO_TESTHOOKS__CRASHATCOMMIT"] = "4",
            ["EXPECTO_TESTHOOKS__CRASHATCOMMITPOINT"] = "AfterPersist",
        });
        await _cluster.SubmitAsync(fixture.JobArgs(outDir), env);

        var first = await _cluster.WaitForCoordinatorExitAsync(JobTimeout, "the crash after persisting a commit");
        AssertKilledInCommit(first, "after persisting");
        Assert.False(LoopbackCluster.Succeeded(outDir), "the job finished although its coordinator died");

        _cluster.StartCoordinator(LoopbackCluster.Merge(env, new Dictionary<string, string>
        {
            ["EXPECTO_TESTHOOKS__CRASHATCOMMIT"] = "2",
            ["EXPECTO_TESTHOOKS__CRASHATCOMMITPOINT"] = "BeforePersist",
        }));
        var second = await _cluster.WaitForCoordinatorExitAsync(JobTimeout, "the crash before persisting a commit");
        AssertKilledInCommit(second, "before persisting");
        Assert.False(LoopbackCluster.Succeeded(outDir), "the job finished although its coordinator died");

        _cluster.StartCoordinator(env);
        await _cluster.WaitForAsync(() => LoopbackCluster.Succeeded(outDir), JobTimeout, "_SUCCESS after two coordinator crashes");
        AssertEqualsReference(outDir);
    }

    private static void AssertKilledInCommit(NodeProcess coordinator, string where)
    {
        Assert.True(coordinator.Gone);
        Assert.True(coordinator.ExitCode == 137, $"{coordinator.Name} exited {coordinator.ExitCode}, not by SIGKILL (137):\n{coordinator.Tail()}");
        Assert.Matches($"fault injection: killing the coordinator {where} the commit of gene ENSG", coordinator.Log);
    }
}
