using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Processing;
using ExPecto.TestHooks;

namespace ExPecto.Cluster.Tests.Processes;

/// <summary>
/// Shared by the process tests: the inputs, the job's genes, and the reference output every interrupted cluster
/// run must reproduce byte for byte: the same processor called gene after gene in a plain loop, uninterrupted,
/// and the manifest of those outcomes — no actor, no persistence involved.
/// </summary>
public abstract class ReferenceRunFixture(int genes) : IAsyncLifetime
{
    private readonly TempDir _tmp = new();
    public int Genes { get; } = genes;
    internal TestInputs Inputs { get; private set; } = null!;
    internal SortedDictionary<string, string> Reference { get; private set; } = null!;
    public string Root => _tmp.Path;

    public async ValueTask InitializeAsync()
    {
        Inputs = new TestInputs(_tmp.Sub("inputs"), Genes);
        string refOut = _tmp.Sub("reference");
        var spec = Inputs.Spec(refOut);
        var digests = JobIdentity.DigestInputs(spec);
        string jobId = JobIdentity.Compute(digests, spec, Inputs.Genes);
        var processor = new FakeGeneProcessor();
        var results = new List<GeneResult>();
        foreach (var gene in Inputs.Genes)
        {
            var outcome = await processor.ProcessAsync(new GeneWorkItem(jobId, gene.GeneId, gene.Chrom, spec), CancellationToken.None);
            results.Add(new GeneResult(gene.GeneId, gene.Chrom, 1, outcome, null));
        }
        JobManifest.Write(new FinishedJob(jobId, spec, digests, results), []);
        Reference = OutputSnapshot.Of(refOut);
    }

    public ValueTask DisposeAsync()
    {
        _tmp.Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The crash-recovery tests' job: 16 genes.</summary>
public sealed class ClusterFixture() : ReferenceRunFixture(16)
{
    public const int DelayMs = 250;

    /// <summary>Child-process settings: test hooks on, quick failure detection and downing, short leases, fast heartbeats.</summary>
    public static Dictionary<string, string> FastEnv(string? postgres, int delayMs = DelayMs)
    {
        var env = new Dictionary<string, string>
        {
            ["EXPECTO_CLUSTER__DOWNINGSTABLEAFTER"] = "00:00:02",
            ["EXPECTO_CLUSTER__FAILUREDETECTORPAUSE"] = "00:00:03",
            ["EXPECTO_COORDINATOR__LEASEDURATION"] = "00:00:15",
            ["EXPECTO_COORDINATOR__DISPATCHTICK"] = "00:00:01",
            ["EXPECTO_COORDINATOR__SETTLEMENTRETRY"] = "00:00:01",
            ["EXPECTO_COORDINATOR__WORKERREREGISTRATIONGRACE"] = "00:00:03",
            ["EXPECTO_WORKER__HEARTBEATINTERVAL"] = "00:00:01",
            // A node stuck joining gives up sooner than in production; LoopbackCluster then starts it again.
            ["EXPECTO_CLUSTER__SHUTDOWNAFTERUNSUCCESSFULJOINSEEDNODES"] = "00:00:30",
            // The process tests run the fake engine and inject faults: every node loads the test hooks.
            [ExPecto.Hosting.TestHookSwitch.EnvironmentVariable] = "1",
            ["EXPECTO_TESTHOOKS__FAKEDELAY"] = TimeSpan.FromMilliseconds(delayMs).ToString(),
            // Several roles on one machine: each its own free admin port.
            ["EXPECTO_ADMIN__ENDPOINT"] = "127.0.0.1:0",
        };
        if (postgres is not null)
        {
            env["EXPECTO_PERSISTENCE__PROVIDER"] = "postgresql";
            env["EXPECTO_PERSISTENCE__CONNECTIONSTRING"] = postgres;
        }
        return env;
    }
}

/// <summary>The fault tests' job: 48 genes, long enough to be interrupted several times.</summary>
public sealed class FaultFixture() : ReferenceRunFixture(48);

[CollectionDefinition(Name)]
public sealed class ProcessCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "processes";
}
