using ExPecto.TestHooks;
using ExPecto.Core.Output;
using System.Text.Json;
using ExPecto.Coordinator;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Processing;
using ExPecto.Protocol;

namespace ExPecto.Cluster.Tests.Embedded;

/// <summary>All roles in this process (the `expecto run` engine room), SQLite under the output folder.</summary>
public sealed class EmbeddedRunnerTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task A_gene_that_always_fails_is_retried_max_attempts_times_and_the_job_finishes_partial_with_it()
    {
        var inputs = new TestInputs(_tmp.Sub("in"), 6);
        string outDir = _tmp.Sub("out");
        string bad = inputs.Genes[2].GeneId;
        var runner = new EmbeddedRunner(FakeEngine.Catalog(), new RecordingFinalizer())
        {
            Coordinator = new CoordinatorOptions { MaxAttempts = 2, DispatchTick = TimeSpan.FromMilliseconds(500) },
            Worker = new WorkerOptions { Devices = "cpu:0,cpu:1", HeartbeatInterval = TimeSpan.FromMilliseconds(500) },
        };
        var result = await runner.RunAsync(inputs.Spec(outDir, failGenes: bad), inputs.Genes, null, TestContext.Current.CancellationToken);

        Assert.False(result.Complete);
        Assert.Equal(JobPhase.Partial, result.Status!.Phase);
        Assert.Equal(5, result.Status.Committed);
        var failed = Assert.Single(result.Status.FailedGenes);
        Assert.Equal(bad, failed.GeneId);
        Assert.Equal(2, failed.Attempts);
        Assert.Contains("fake failure", failed.Error);

        Assert.False(File.Exists(Path.Combine(outDir, JobManifest.SuccessMarker)));
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, JobManifest.FileName)));
        Assert.Equal("partial", manifest.RootElement.GetProperty("status").GetString());
        var badEntry = manifest.RootElement.GetProperty("geneResults").EnumerateArray().Single(g => g.GetProperty("gene").GetString() == bad);
        Assert.Equal("failed", badEntry.GetProperty("status").GetString());
        Assert.Equal(["finalizer-output.txt"], manifest.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("6 genes, 5 committed", File.ReadAllText(Path.Combine(outDir, "finalizer-output.txt")));
    }

    [Fact]
    public async Task A_busy_admin_port_only_warns_and_the_run_completes()
    {
        var inputs = new TestInputs(_tmp.Sub("in"), 3);
        string outDir = _tmp.Sub("out");
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        int busy = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;
        var runner = new EmbeddedRunner(FakeEngine.Catalog(), new NoOpJobFinalizer())
        {
            Coordinator = new CoordinatorOptions { DispatchTick = TimeSpan.FromMilliseconds(500) },
            Worker = new WorkerOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(500) },
            Admin = new ExPecto.Admin.AdminOptions { Endpoint = $"127.0.0.1:{busy}", FailIfUnavailable = false },
        };
        var result = await runner.RunAsync(inputs.Spec(outDir), inputs.Genes, null, TestContext.Current.CancellationToken);
        Assert.True(result.Complete);
    }

    /// <summary>Stands in for the genes.parquet assembler: proves the hook runs with every gene and its files reach the manifest.</summary>
    private sealed class RecordingFinalizer : IJobFinalizer
    {
        public Task<IReadOnlyList<string>> FinalizeAsync(FinishedJob job, CancellationToken ct)
        {
            AtomicFile.WriteAllText(Path.Combine(job.Spec.OutputDir, "finalizer-output.txt"),
                $"{job.Genes.Count} genes, {job.Genes.Count(g => g.Outcome is not null)} committed");
            return Task.FromResult<IReadOnlyList<string>>(["finalizer-output.txt"]);
        }
    }
}
