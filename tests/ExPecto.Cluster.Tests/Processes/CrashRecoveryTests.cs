using System.Text.Json;
using ExPecto.Protocol.Jobs;

namespace ExPecto.Cluster.Tests.Processes;

/// <summary>
/// Real processes on 127.0.0.1 (seed, coordinator, two workers, the CLI), started from the built executables and
/// killed with SIGKILL mid-job. Whatever is killed, the job completes and its output — every gene file and the
/// manifest — equals the uninterrupted reference run, each gene exactly once.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class CrashRecoveryTests(ClusterFixture fixture) : IDisposable
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(120);
    private readonly TempDir _tmp = new();
    private readonly List<NodeProcess> _nodes = [];

    public void Dispose()
    {
        foreach (var n in _nodes) n.Dispose();
        _tmp.Dispose();
    }

    private NodeProcess Start(string name, string dll, IEnumerable<string> args, Dictionary<string, string> env)
    {
        var node = NodeProcess.Start(name, dll, args, env);
        _nodes.Add(node);
        return node;
    }

    private sealed record Cluster(int SeedPort, int CoordinatorPort, string State, NodeProcess Coordinator, NodeProcess Worker1, NodeProcess Worker2);

    private Cluster StartCluster(Dictionary<string, string> env)
    {
        int seedPort = NodeProcess.FreePort(), coordPort = NodeProcess.FreePort();
        string state = _tmp.Sub("state/checkpoints.db");
        Start("seed", NodeProcess.Seed, ["--port", seedPort.ToString()], env);
        var coordinator = StartCoordinator(seedPort, coordPort, state, env);
        string contacts = $"127.0.0.1:{seedPort},127.0.0.1:{coordPort}";
        var w1 = Start("worker1", NodeProcess.Worker, ["--coordinator", contacts, "--device", "cpu"], env);
        var w2 = Start("worker2", NodeProcess.Worker, ["--coordinator", contacts, "--device", "cpu"], env);
        return new Cluster(seedPort, coordPort, state, coordinator, w1, w2);
    }

    private NodeProcess StartCoordinator(int seedPort, int coordPort, string state, Dictionary<string, string> env) =>
        Start("coordinator", NodeProcess.Expecto, ["serve", "--port", coordPort.ToString(), "--seed", $"127.0.0.1:{seedPort}", "--state", state], env);

    private async Task SubmitAsync(Cluster cluster, string outDir, Dictionary<string, string> env)
    {
        var submit = Start("submit", NodeProcess.Expecto,
            ["submit", "--seed", $"127.0.0.1:{cluster.SeedPort}", .. fixture.Inputs.CliArgs(outDir)], env);
        int rc = await submit.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.True(rc == 0, $"submit exited {rc}:\n{submit.Tail()}");
        Assert.Matches(@"(?m)^j[0-9a-f]{16}\t(submitted|known)", submit.Log);
    }

    private static int GeneFiles(string outDir) =>
        Directory.Exists(Path.Combine(outDir, "effects"))
            ? Directory.EnumerateFiles(Path.Combine(outDir, "effects"), "*.tsv", SearchOption.AllDirectories).Count()
            : 0;

    private async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what}\n" +
                    string.Join("\n", _nodes.Select(n => $"===== {n.Name} =====\n{n.Tail(3000)}")));
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private void AssertEqualsReference(string outDir)
    {
        var actual = OutputSnapshot.Of(outDir);
        Assert.Equal(fixture.Reference.Keys, actual.Keys);
        Assert.Equal(fixture.Reference, actual);
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, JobManifest.FileName)));
        var genes = manifest.RootElement.GetProperty("geneResults").EnumerateArray().Select(g => g.GetProperty("gene").GetString()).ToList();
        Assert.Equal(fixture.Inputs.Genes.Select(g => g.GeneId).Order(), genes);
        Assert.Equal(ClusterFixture.Genes, GeneFiles(outDir));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_job_completes_identically_when_a_worker_is_killed_mid_job(string store)
    {
        using var pg = PostgresDatabase.For(store);
        var env = ClusterFixture.FastEnv(pg?.ConnectionString);
        string outDir = _tmp.Sub("out");
        var cluster = StartCluster(env);
        await SubmitAsync(cluster, outDir, env);

        await WaitForAsync(() => GeneFiles(outDir) >= 3, JobTimeout, "the first genes");
        cluster.Worker1.KillHard();
        await WaitForAsync(() => File.Exists(Path.Combine(outDir, JobManifest.SuccessMarker)), JobTimeout, "_SUCCESS after the worker crash");

        AssertEqualsReference(outDir);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_job_resumes_from_checkpoints_when_the_coordinator_is_killed_and_restarted(string store)
    {
        using var pg = PostgresDatabase.For(store);
        var env = ClusterFixture.FastEnv(pg?.ConnectionString);
        string outDir = _tmp.Sub("out");
        var cluster = StartCluster(env);
        await SubmitAsync(cluster, outDir, env);

        await WaitForAsync(() => GeneFiles(outDir) >= 5, JobTimeout, "the first genes");
        cluster.Coordinator.KillHard();
        int doneAtCrash = GeneFiles(outDir);
        Assert.True(doneAtCrash < ClusterFixture.Genes, "the job finished before the coordinator could be killed");
        StartCoordinator(cluster.SeedPort, cluster.CoordinatorPort, cluster.State, env);
        await WaitForAsync(() => File.Exists(Path.Combine(outDir, JobManifest.SuccessMarker)), JobTimeout, "_SUCCESS after the coordinator restart");

        AssertEqualsReference(outDir);
    }

    [Fact]
    public async Task An_embedded_run_killed_mid_job_resumes_and_a_rerun_of_the_finished_folder_changes_nothing()
    {
        string outDir = _tmp.Sub("out");
        var env = ClusterFixture.FastEnv(null);
        string[] args = ["run", .. fixture.Inputs.CliArgs(outDir)];
        var first = Start("run-1", NodeProcess.Expecto, args, env);
        await WaitForAsync(() => GeneFiles(outDir) >= 3 || first.HasExited, JobTimeout, "the first genes");
        first.KillHard();
        Assert.False(File.Exists(Path.Combine(outDir, JobManifest.SuccessMarker)), "the run finished before it could be killed");
        Assert.True(File.Exists(Path.Combine(outDir, "_state", "checkpoints.db")));

        var second = Start("run-2", NodeProcess.Expecto, args, env);
        int rc = await second.WaitForExitAsync(JobTimeout);
        Assert.True(rc == 0, $"resumed run exited {rc}:\n{second.Tail()}");
        AssertEqualsReference(outDir);

        var stamps = Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var third = Start("run-3", NodeProcess.Expecto, args, env);
        Assert.Equal(0, await third.WaitForExitAsync(JobTimeout));
        Assert.Contains("nothing to do", third.Log);
        Assert.Equal(stamps, Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc));
    }
}
