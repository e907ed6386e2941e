using ExPecto.Coordinator;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Processing;

namespace ExPecto.Cluster.Tests.Processes;

/// <summary>
/// Shared by the process tests: the inputs, the job's genes, and the output of an uninterrupted run of the same
/// job (embedded, in this process) that every interrupted run must reproduce byte for byte.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int Genes = 24;
    public const int DelayMs = 300;

    private readonly TempDir _tmp = new();
    internal TestInputs Inputs { get; private set; } = null!;
    internal SortedDictionary<string, string> Reference { get; private set; } = null!;
    public string Root => _tmp.Path;

    public async ValueTask InitializeAsync()
    {
        Inputs = new TestInputs(_tmp.Sub("inputs"), Genes);
        string refOut = _tmp.Sub("reference");
        var runner = new EmbeddedRunner(new EngineCatalog(), new NoOpJobFinalizer())
        {
            Worker = new WorkerOptions { Devices = "cpu:0,cpu:1,cpu:2,cpu:3", HeartbeatInterval = TimeSpan.FromSeconds(1) },
        };
        var result = await runner.RunAsync(Inputs.Spec(refOut, DelayMs), Inputs.Genes, null, CancellationToken.None);
        Assert.True(result.Complete, "the uninterrupted reference run did not complete");
        Reference = OutputSnapshot.Of(refOut);
    }

    public ValueTask DisposeAsync()
    {
        _tmp.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Child-process settings: quick failure detection and downing, short leases, fast heartbeats.</summary>
    public static Dictionary<string, string> FastEnv(string? postgres) 
    {
        var env = new Dictionary<string, string>
        {
            ["EXPECTO_CLUSTER__DOWNINGSTABLEAFTER"] = "00:00:03",
            ["EXPECTO_CLUSTER__FAILUREDETECTORPAUSE"] = "00:00:03",
            ["EXPECTO_COORDINATOR__LEASEDURATION"] = "00:00:15",
            ["EXPECTO_COORDINATOR__DISPATCHTICK"] = "00:00:01",
            ["EXPECTO_COORDINATOR__SETTLEMENTRETRY"] = "00:00:01",
            ["EXPECTO_COORDINATOR__WORKERREREGISTRATIONGRACE"] = "00:00:03",
            ["EXPECTO_WORKER__HEARTBEATINTERVAL"] = "00:00:01",
        };
        if (postgres is not null)
        {
            env["EXPECTO_PERSISTENCE__PROVIDER"] = "postgresql";
            env["EXPECTO_PERSISTENCE__CONNECTIONSTRING"] = postgres;
        }
        return env;
    }
}

[CollectionDefinition(Name)]
public sealed class ProcessCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "processes";
}
