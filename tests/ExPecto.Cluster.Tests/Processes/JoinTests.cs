using System.Diagnostics;

namespace ExPecto.Cluster.Tests.Processes;

/// <summary>
/// Cluster:ShutdownAfterUnsuccessfulJoinSeedNodes: a node that cannot join gives up, says so in one line and exits
/// with 255 for its supervisor to start it again, instead of retrying forever (docs/cluster.md, "A node that
/// cannot join").
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class JoinTests(ClusterFixture fixture) : IDisposable
{
    private readonly LoopbackCluster _cluster = new(fixture);

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task A_worker_that_cannot_join_exits_with_255_within_the_configured_time_naming_the_seeds_and_the_option()
    {
        int nobody = NodeProcess.FreePort(); // nothing listens there: the join can never succeed
        var env = new Dictionary<string, string>
        {
            ["EXPECTO_ADMIN__ENDPOINT"] = "127.0.0.1:0",
            ["EXPECTO_CLUSTER__SHUTDOWNAFTERUNSUCCESSFULJOINSEEDNODES"] = "00:00:05",
        };
        var clock = Stopwatch.StartNew();
        using var node = NodeProcess.Start("worker", NodeProcess.Worker, ["--coordinator", $"127.0.0.1:{nobody}", "--device", "cpu", "--port", "0"], env);

        int rc = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(rc == 255, $"exited {rc}, not 255:\n{node.Tail()}");
        // 5 s of joining, plus start-up and coordinated shutdown on a loaded 2-core machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(45), $"took {clock.Elapsed}");
        Assert.Contains($"worker node: could not join the cluster through akka.tcp://expecto@127.0.0.1:{nobody} within 00:00:05 " +
                        "(Cluster:ShutdownAfterUnsuccessfulJoinSeedNodes); exiting with 255 for the supervisor to start this node again", node.Log);
    }

    [Fact]
    public async Task A_coordinator_that_gave_up_joining_is_started_again_by_its_supervisor_and_the_job_completes()
    {
        var env = LoopbackCluster.Merge(ClusterFixture.FastEnv(null),
            new Dictionary<string, string> { ["EXPECTO_CLUSTER__SHUTDOWNAFTERUNSUCCESSFULJOINSEEDNODES"] = "00:00:05" });
        // Its seed is not up: the join cannot succeed, as for a coordinator the cluster will not let back in.
        var first = _cluster.StartCoordinator(env);
        await _cluster.WaitForAsync(() => _cluster.Coordinator != first, TimeSpan.FromSeconds(60), "the coordinator giving up and being started again");
        Assert.Equal(255, first.ExitCode);
        Assert.Contains(LoopbackCluster.GaveUpJoining, first.Log);

        _cluster.StartSeed(env);
        // The restarted coordinator may give up again while the seed starts; the supervisor keeps starting it.
        await _cluster.WaitForAsync(() => _cluster.Coordinator.Log.Contains("job manager up:", StringComparison.Ordinal), TimeSpan.FromSeconds(90),
            "a coordinator incarnation joined and its job manager is up");
        _cluster.StartWorker("worker1", env);
        _cluster.StartWorker("worker2", env);
        string outDir = _cluster.Sub("out");
        await _cluster.SubmitAsync(outDir, env);
        await _cluster.WaitForAsync(() => LoopbackCluster.Succeeded(outDir), TimeSpan.FromSeconds(120), "_SUCCESS");
        _cluster.AssertEqualsReference(outDir);
    }
}
