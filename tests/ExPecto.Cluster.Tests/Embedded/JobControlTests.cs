using ExPecto.TestHooks;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Hosting;
using ExPecto.Admin;
using ExPecto.Admin.Contracts;
using ExPecto.Admin.Hosting;
using ExPecto.Coordinator;
using ExPecto.Coordinator.Admin;
using ExPecto.Worker;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using AdminJobSpec = ExPecto.Admin.Contracts.JobSpec;

namespace ExPecto.Cluster.Tests.Embedded;

/// <summary>
/// Cancel and retry-failed through the coordinator's <see cref="IJobAdmin"/> on a one-node cluster with every role
/// (the embedded mode's wiring), persisted to SQLite: the job manager, the gene entities and the worker all real.
/// </summary>
public sealed class JobControlTests : IAsyncDisposable
{
    private readonly TempDir _tmp = new();
    private volatile bool _failing = true;
    private IHost? _host;

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(CancellationToken.None);
            _host.Dispose();
        }
        _tmp.Dispose();
    }

    private async Task<IJobAdmin> StartAsync(int maxAttempts = 2)
    {
        // "fake" fails the gene named "fail-me" while _failing is set: a transient fault an operator retries after fixing.
        var engines = new EngineCatalog().Register(FakeGeneProcessor.EngineName, new Flaky(this));
        var cluster = new ClusterNodeOptions { Port = 0, Seeds = "", LogLevel = "WARNING" };
        var persistence = new PersistenceOptions { SqliteFile = _tmp.Sub("state/checkpoints.db") };
        var coordinator = new CoordinatorOptions
        {
            MaxAttempts = maxAttempts, DispatchTick = TimeSpan.FromMilliseconds(300), SettlementRetry = TimeSpan.FromMilliseconds(500),
        };
        var worker = new WorkerOptions { Devices = "cpu", SlotsPerDevice = 1, HeartbeatInterval = TimeSpan.FromMilliseconds(300) };
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddAkka(cluster.SystemName, (akka, _) => akka
            .WithExPectoCluster(cluster, Roles.Coordinator, Roles.Worker)
            .WithExPectoPersistence(persistence)
            .WithExPectoCoordinator(coordinator, persistence, new NoOpJobFinalizer())
            .WithExPectoWorker(worker, engines, withProxies: false));
        builder.Services.AddExPectoAdmin(configure: o => o.Endpoint = "127.0.0.1:0").AddExPectoCoordinatorAdmin(engines);
        _host = builder.Build();
        await _host.StartAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(_host.Services.GetRequiredService<AdminServerHandle>().Server);
        return _host.Services.GetRequiredService<IJobAdmin>();
    }

    private AdminJobSpec Spec(string outDir, int genes, int delayMs)
    {
        var inputs = new TestInputs(_tmp.Sub("in"), genes - 1);
        string genesFile = _tmp.Sub("genes.tsv");
        File.WriteAllLines(genesFile, inputs.Genes.Select(g => g.GeneId + "\t" + g.Chrom).Append("fail-me\tchr1"));
        var text = new JsonObject
        {
            ["genome"] = inputs.Genome, ["annotation"] = inputs.Annotation, ["beluga"] = inputs.Weights, ["models"] = inputs.Models,
            ["genes"] = genesFile, ["out"] = outDir, ["radius"] = 10, ["engine"] = FakeGeneProcessor.EngineName, ["batchSize"] = 4,
            ["params"] = new JsonObject { [FakeGeneProcessor.DelayParameter] = delayMs.ToString() },
        }.ToJsonString();
        return new AdminJobSpec("job.json", text);
    }

    private static async Task<JobDetail> WaitForAsync(IJobAdmin jobs, string id, Func<JobDetail, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var detail = await jobs.GetAsync(id, TestContext.Current.CancellationToken);
            if (condition(detail)) return detail;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what}; last: {detail}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static string ManifestStatus(string outDir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, JobManifest.FileName)));
        return doc.RootElement.GetProperty("status").GetString()!;
    }

    [Fact]
    public async Task Retry_failed_reopens_a_partial_job_and_it_completes_once_the_fault_is_gone()
    {
        var jobs = await StartAsync();
        var ct = TestContext.Current.CancellationToken;
        string outDir = _tmp.Sub("out");
        var job = await jobs.SubmitAsync(Spec(outDir, genes: 4, delayMs: 0), ct);

        var partial = await WaitForAsync(jobs, job.Id, d => d.Summary.State == JobState.Partial, "the job to finish partial");
        Assert.Equal(1, partial.Summary.GenesFailed);
        Assert.Equal("fail-me", Assert.Single(partial.RecentFailures).Gene);
        Assert.Equal("partial", ManifestStatus(outDir));
        Assert.False(File.Exists(Path.Combine(outDir, JobManifest.SuccessMarker)));

        _failing = false;
        var retry = await jobs.RetryFailedAsync(job.Id, ct);
        Assert.Equal(1, retry.GenesRequeued);

        var complete = await WaitForAsync(jobs, job.Id, d => d.Summary.State == JobState.Completed, "the retried job to complete");
        Assert.Equal(4, complete.Summary.GenesDone);
        Assert.Equal(0, complete.Summary.GenesFailed);
        Assert.Equal("complete", ManifestStatus(outDir));
        Assert.True(File.Exists(Path.Combine(outDir, JobManifest.SuccessMarker)));

        var again = await Assert.ThrowsAsync<AdminException>(() => jobs.RetryFailedAsync(job.Id, ct));
        Assert.Equal(AdminErrorKind.Conflict, again.Kind);
        var unknown = await Assert.ThrowsAsync<AdminException>(() => jobs.PauseAsync("j0000000000000000", ct));
        Assert.Equal(AdminErrorKind.NotFound, unknown.Kind);
    }

    [Fact]
    public async Task Cancel_stops_leasing_and_finishes_the_job_as_cancelled_without_success_marker()
    {
        _failing = false;
        var jobs = await StartAsync();
        var ct = TestContext.Current.CancellationToken;
        string outDir = _tmp.Sub("out");
        var job = await jobs.SubmitAsync(Spec(outDir, genes: 30, delayMs: 300), ct);
        await WaitForAsync(jobs, job.Id, d => d.Summary.GenesDone >= 1, "a first committed gene");

        var cancelled = await jobs.CancelAsync(job.Id, ct);
        Assert.Contains(cancelled.State, new[] { JobState.Cancelling, JobState.Cancelled });
        var final = await WaitForAsync(jobs, job.Id, d => d.Summary.State == JobState.Cancelled, "the job to finish cancelled");
        Assert.True(final.Summary.GenesDone < 30, "cancel came too late to stop anything");
        Assert.Equal(0, final.GenesInFlight);
        Assert.Equal("cancelled", ManifestStatus(outDir));
        Assert.False(File.Exists(Path.Combine(outDir, JobManifest.SuccessMarker)));

        var resume = await Assert.ThrowsAsync<AdminException>(() => jobs.ResumeAsync(job.Id, ct));
        Assert.Equal(AdminErrorKind.Conflict, resume.Kind);
    }

    private sealed class Flaky(JobControlTests test) : IGeneProcessorFactory
    {
        public IGeneProcessor Create(string device) =>
            new FakeGeneProcessor(fail: item => test._failing && item.GeneId == "fail-me");

        public IReadOnlyCollection<string> Parameters { get; } = [FakeGeneProcessor.DelayParameter];
    }
}
