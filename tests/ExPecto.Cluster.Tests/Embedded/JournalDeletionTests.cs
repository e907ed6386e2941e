using System.Data.Common;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using ExPecto.Cluster.Tests.Processes;
using ExPecto.Coordinator;
using ExPecto.Hosting;
using ExPecto.Protocol;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using ExPecto.TestHooks;
using ExPecto.Worker;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ExPecto.Cluster.Tests.Embedded;

/// <summary>
/// Once a job finishes, the journals and snapshots of its gene entities are deleted and the job is compacted; status
/// and retry-failed still work, a late completion commits nothing, and so on after a coordinator restart. A one-node
/// cluster with every role, on SQLite and PostgreSQL (EXPECTO_TEST_PG).
/// </summary>
public sealed class JournalDeletionTests : IAsyncDisposable
{
    private readonly TempDir _tmp = new();
    private volatile bool _failing = true;
    private IHost? _host;
    private PostgresDatabase? _pg;

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _pg?.Dispose();
        _tmp.Dispose();
    }

    private PersistenceOptions Persistence => _pg is null
        ? new PersistenceOptions { SqliteFile = _tmp.Sub("state/checkpoints.db") }
        : new PersistenceOptions { Provider = "postgresql", ConnectionString = _pg.ConnectionString };

    private async Task<IActorRef> StartAsync()
    {
        var engines = new EngineCatalog().Register(FakeGeneProcessor.EngineName, new Flaky(this));
        var cluster = new ClusterNodeOptions { Port = 0, Seeds = "", LogLevel = "WARNING" };
        var coordinator = new CoordinatorOptions
        {
            MaxAttempts = 1, DispatchTick = TimeSpan.FromMilliseconds(300), SettlementRetry = TimeSpan.FromMilliseconds(500),
        };
        var worker = new WorkerOptions { Devices = "cpu", SlotsPerDevice = 2, HeartbeatInterval = TimeSpan.FromMilliseconds(300) };
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var persistence = Persistence;
        builder.Services.AddAkka(cluster.SystemName, (akka, _) => akka
            .WithExPectoCluster(cluster, Roles.Coordinator, Roles.Worker)
            .WithExPectoPersistence(persistence)
            .WithExPectoCoordinator(coordinator, persistence, new NoOpJobFinalizer())
            .WithExPectoWorker(worker, engines, withProxies: false));
        _host = builder.Build();
        await _host.StartAsync(TestContext.Current.CancellationToken);
        return await _host.Services.GetRequiredService<ActorRegistry>().GetAsync<JobManager>(TestContext.Current.CancellationToken);
    }

    private async Task StopAsync()
    {
        if (_host is null) return;
        await _host.StopAsync(CancellationToken.None);
        _host.Dispose();
        _host = null;
    }

    private IActorRef GeneRegion => _host!.Services.GetRequiredService<ActorRegistry>().Get<GeneRegion>();

    /// <summary>Journal and snapshot rows of gene entities (of any job), read straight from the store.</summary>
    private long GeneRows()
    {
        using DbConnection conn = _pg is null
            ? new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _tmp.Sub("state/checkpoints.db") }.ToString())
            : new NpgsqlConnection(_pg.ConnectionString);
        conn.Open();
        long rows = 0;
        foreach (string table in new[] { "journal", "snapshot" })
        {
            using var cmd = conn.CreateCommand();
            cmd.CommandText = $"SELECT COUNT(*) FROM \"{table}\" WHERE persistence_id LIKE 'gene-%'";
            rows += Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        return rows;
    }

    private static async Task<JobStatusView> WaitForAsync(IActorRef jm, string jobId, Func<JobStatusView, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var view = (await EmbeddedRunner.AskWithRetry<JobStatusResponse>(jm, new GetJobStatus(jobId), TestContext.Current.CancellationToken)).Jobs.Single();
            if (condition(view)) return view;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}; last: {view}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private async Task WaitForNoGeneRowsAsync(string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        long rows;
        while ((rows = GeneRows()) > 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{rows} gene journal/snapshot row(s) still there {what}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public async Task A_finished_jobs_gene_journals_go_and_status_retry_and_late_completions_still_hold(string store)
    {
        _pg = PostgresDatabase.For(store);
        var ct = TestContext.Current.CancellationToken;
        var inputs = new TestInputs(_tmp.Sub("in"), 5);
        var genes = inputs.Genes.Append(new GeneRef("fail-me", "chr1")).ToList();
        var spec = inputs.Spec(_tmp.Sub("out"), delayMs: 200);
        var digests = JobIdentity.DigestInputs(spec);
        string jobId = JobIdentity.Compute(digests, spec, genes);

        var jm = await StartAsync();
        await EmbeddedRunner.AskWithRetry<SubmitJobResponse>(jm, new SubmitJob(jobId, spec, digests, genes), ct);
        await WaitForAsync(jm, jobId, v => v.Committed >= 1, "a first committed gene");
        Assert.True(GeneRows() > 0, "no gene journal rows while the job runs: the count looks in the wrong place");
        var partial = await WaitForAsync(jm, jobId, v => v.Phase == JobPhase.Partial, "the job to finish partial");
        await WaitForNoGeneRowsAsync("after the job finished");
        var compacted = await WaitForAsync(jm, jobId, v => v.Phase == JobPhase.Partial, "status after compaction");
        Assert.Equal((6, 5, 1), (compacted.Genes, compacted.Committed, compacted.Failed));
        Assert.Equal(partial.Mutations, compacted.Mutations);
        Assert.Equal("fail-me", Assert.Single(compacted.FailedGenes).GeneId);

        // A worker's late, duplicate completion of a committed gene: acknowledged as a duplicate, nothing journaled.
        var late = await GeneRegion.Ask<CompletionAcked>(new CompleteGene(jobId, genes[0].GeneId, 1, "late-worker", new GeneOutcome(1, 0, [], "x")),
            TimeSpan.FromSeconds(10), ct);
        Assert.True(late.Duplicate);
        await Task.Delay(500, ct);
        Assert.Equal(0, GeneRows());

        // A coordinator restart after compaction: the same status, no gene leased again.
        await StopAsync();
        jm = await StartAsync();
        var recovered = await WaitForAsync(jm, jobId, _ => true, "status after restart");
        Assert.Equal((JobPhase.Partial, 6, 5, 1, 0), (recovered.Phase, recovered.Genes, recovered.Committed, recovered.Failed, recovered.Leased));
        await Task.Delay(1000, ct);
        Assert.Equal(0, GeneRows());

        // Retry-failed after compaction: only the failed gene runs again; the manifest lists all six, and the job
        // compacts again.
        _failing = false;
        var retry = await EmbeddedRunner.AskWithRetry<ControlJobResponse>(jm, new ControlJob(jobId, JobControl.RetryFailed), ct);
        Assert.Null(retry.Error);
        Assert.Equal(1, retry.GenesRequeued);
        var complete = await WaitForAsync(jm, jobId, v => v.Phase == JobPhase.Complete, "the retried job to complete");
        Assert.Equal((6, 6, 0), (complete.Genes, complete.Committed, complete.Failed));
        await WaitForNoGeneRowsAsync("after the retried job finished");
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(spec.OutputDir, JobManifest.FileName)));
        Assert.Equal("complete", manifest.RootElement.GetProperty("status").GetString());
        var listed = manifest.RootElement.GetProperty("geneResults").EnumerateArray().ToList();
        Assert.Equal(genes.Select(g => g.GeneId).Order(StringComparer.Ordinal), listed.Select(g => g.GetProperty("gene").GetString()));
        Assert.All(listed, g => Assert.Equal("committed", g.GetProperty("status").GetString()));
        Assert.All(listed, g => Assert.Equal(64, g.GetProperty("sha256").GetString()!.Length));
        Assert.True(File.Exists(Path.Combine(spec.OutputDir, JobManifest.SuccessMarker)));
        var refused = await EmbeddedRunner.AskWithRetry<ControlJobResponse>(jm, new ControlJob(jobId, JobControl.RetryFailed), ct);
        Assert.Equal($"job {jobId} has no failed genes", refused.Error);
    }

    private sealed class Flaky(JournalDeletionTests test) : IGeneProcessorFactory
    {
        public IGeneProcessor Create(string device) =>
            new FakeGeneProcessor(fail: item => test._failing && item.GeneId == "fail-me");

        public IReadOnlyCollection<string> Parameters { get; } = [FakeGeneProcessor.DelayParameter];
    }
}
