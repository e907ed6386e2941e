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
    private readonly LoopbackCluster _cluster = new(fixture);

    public void Dispose() => _cluster.Dispose();

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_job_completes_identically_when_a_worker_is_killed_mid_job(string store)
    {
        using var pg = PostgresDatabase.For(store);
        var env = ClusterFixture.FastEnv(pg?.ConnectionString);
        string outDir = _cluster.Sub("out");
        _cluster.StartAll(env);
        await _cluster.SubmitAsync(outDir, env);

        await _cluster.WaitForAsync(() => LoopbackCluster.GeneFiles(outDir) >= 3, JobTimeout, "the first genes");
        _cluster.Workers[0].KillHard();
        await _cluster.WaitForAsync(() => LoopbackCluster.Succeeded(outDir), JobTimeout, "_SUCCESS after the worker crash");

        _cluster.AssertEqualsReference(outDir);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_job_resumes_from_checkpoints_when_the_coordinator_is_killed_and_restarted(string store)
    {
        using var pg = PostgresDatabase.For(store);
        // 1 s a gene (8 s for the job on 2 workers): on a loaded machine the submit client alone can take 15 s to
        // join, submit and leave, and at the default 250 ms the job was sometimes over before the kill.
        var env = ClusterFixture.FastEnv(pg?.ConnectionString, delayMs: 1000);
        string outDir = _cluster.Sub("out");
        _cluster.StartAll(env);
        await _cluster.SubmitAsync(outDir, env);

        await _cluster.WaitForAsync(() => LoopbackCluster.GeneFiles(outDir) >= 3, JobTimeout, "the first genes");
        _cluster.Coordinator.KillHard();
        int doneAtCrash = LoopbackCluster.GeneFiles(outDir);
        Assert.True(doneAtCrash < fixture.Genes, "the job finished before the coordinator could be killed");
        _cluster.StartCoordinator(env);
        await _cluster.WaitForAsync(() => LoopbackCluster.Succeeded(outDir), JobTimeout, "_SUCCESS after the coordinator restart");

        _cluster.AssertEqualsReference(outDir);
    }

    [Fact]
    public async Task An_embedded_run_killed_mid_job_resumes_and_a_rerun_of_the_finished_folder_changes_nothing()
    {
        string outDir = _cluster.Sub("out");
        var env = ClusterFixture.FastEnv(null);
        string[] args = ["run", .. fixture.Inputs.CliArgs(outDir)];
        var first = _cluster.Start("run-1", NodeProcess.Expecto, args, env);
        await _cluster.WaitForAsync(() => LoopbackCluster.GeneFiles(outDir) >= 3 || first.HasExited, JobTimeout, "the first genes");
        first.KillHard();
        Assert.False(LoopbackCluster.Succeeded(outDir), "the run finished before it could be killed");
        Assert.True(File.Exists(Path.Combine(outDir, "_state", "checkpoints.db")));

        var second = _cluster.Start("run-2", NodeProcess.Expecto, args, env);
        int rc = await second.WaitForExitAsync(JobTimeout);
        Assert.True(rc == 0, $"resumed run exited {rc}:\n{second.Tail()}");
        _cluster.AssertEqualsReference(outDir);

        var stamps = Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var third = _cluster.Start("run-3", NodeProcess.Expecto, args, env);
        Assert.Equal(0, await third.WaitForExitAsync(JobTimeout));
        Assert.Contains("nothing to do", third.Log);
        Assert.Equal(stamps, Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc));
    }
}
