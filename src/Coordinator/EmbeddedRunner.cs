using Akka.Actor;
using Akka.Hosting;
using ExPecto.Admin;
using ExPecto.Admin.Hosting;
using ExPecto.Coordinator.Admin;
using ExPecto.Coordinator.Schedules;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using ExPecto.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ExPecto.Protocol;

namespace ExPecto.Coordinator;

/// <summary>The outcome of an embedded run.</summary>
/// <param name="AlreadyComplete">The output folder already held this job, complete: nothing was started or written.</param>
public sealed record EmbeddedRunResult(string JobId, bool AlreadyComplete, JobStatusView? Status)
{
    public bool Complete => AlreadyComplete || Status?.Phase == JobPhase.Complete;
}

/// <summary>
/// All roles in one process (`expecto run`): a one-node cluster on 127.0.0.1 with a free port, the coordinator
/// role persisting to SQLite at DIR/_state/checkpoints.db (or where told), and one worker loop per device. The
/// same hosting extensions as the distributed roles. A run killed at any point resumes from its checkpoints when
/// started again on the same folder; a folder that already holds the finished job is left untouched.
/// </summary>
public sealed class EmbeddedRunner(EngineCatalog engines, IJobFinalizer finalizer)
{
    public ClusterNodeOptions Cluster { get; init; } = new();
    public CoordinatorOptions Coordinator { get; init; } = new();
    public WorkerOptions Worker { get; init; } = new();
    public PersistenceOptions? Persistence { get; init; }
    public ScheduleOptions Schedules { get; init; } = new();

    /// <summary>Called on both sides of every gene commit; null (production): none. See <see cref="TestHookSwitch"/>.</summary>
    public ICommitHook? CommitHook { get; init; }

    /// <summary>The admin console of the run (job, workers, cluster palettes); null: none.</summary>
    public AdminOptions? Admin { get; init; }

    /// <summary>Progress callback (polled status), e.g. for a console line.</summary>
    public Action<JobStatusView>? Progress { get; init; }

    public static string DefaultStatePath(string outputDir) => Path.Combine(outputDir, "_state", "checkpoints.db");

    public async Task<EmbeddedRunResult> RunAsync(JobSpec spec, IReadOnlyList<GeneRef> genes, string? statePath, CancellationToken ct)
    {
        var digests = JobIdentity.DigestInputs(spec);
        string jobId = JobIdentity.Compute(digests, spec, genes);
        if (JobManifest.CompletedJobId(spec.OutputDir) == jobId)
            return new EmbeddedRunResult(jobId, AlreadyComplete: true, null);

        Directory.CreateDirectory(spec.OutputDir);
        var persistence = Persistence ?? new PersistenceOptions { SqliteFile = statePath ?? DefaultStatePath(spec.OutputDir) };
        var cluster = new ClusterNodeOptions
        {
            SystemName = Cluster.SystemName,
            Hostname = Cluster.Hostname,
            Port = Cluster.Port,
            Seeds = "",
            DowningStableAfter = Cluster.DowningStableAfter,
            LogLevel = Cluster.LogLevel,
            // The console is for progress; the run's full log goes beside its checkpoints.
            LogFile = Cluster.LogFile ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(persistence.SqliteFile ?? DefaultStatePath(spec.OutputDir)))!, "run.log"),
        };
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddAkka(cluster.SystemName, (akka, _) => akka
            .WithExPectoCluster(cluster, Roles.Coordinator, Roles.Worker)
            .WithExPectoPersistence(persistence)
            .WithExPectoCoordinator(Coordinator, persistence, finalizer, CommitHook)
            .WithExPectoSchedules(Schedules, persistence, engines)
            .WithExPectoWorker(Worker, engines, withProxies: false));
        if (Admin is { } admin)
        {
            builder.Services.AddExPectoAdmin(configure: o =>
            {
                o.Endpoint = admin.Endpoint;
                o.TokenFile = admin.TokenFile;
                o.Token = admin.Token;
                o.OpenReadOnlyOnLoopback = admin.OpenReadOnlyOnLoopback;
                o.MetricsWithoutToken = admin.MetricsWithoutToken;
                o.AskTimeout = admin.AskTimeout;
                o.FailIfUnavailable = admin.FailIfUnavailable;
            });
            builder.Services.AddExPectoCoordinatorAdmin(engines);
        }
        builder.Services.AddSingleton<ExPecto.Admin.Contracts.IScheduleAdmin, ScheduleAdmin>();
        using var host = builder.Build();
        await host.StartAsync(ct);
        try
        {
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            var jobManager = await registry.GetAsync<JobManager>(ct);
            var submit = new SubmitJob(jobId, spec, digests, genes);
            await AskWithRetry<SubmitJobResponse>(jobManager, submit, ct);
            while (true)
            {
                var status = await AskWithRetry<JobStatusResponse>(jobManager, new GetJobStatus(jobId), ct);
                var view = status.Jobs.Single();
                Progress?.Invoke(view);
                if (view.Phase.IsFinished())
                    return new EmbeddedRunResult(jobId, AlreadyComplete: false, view);
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Asks, retrying while the singleton is still starting (asks time out, nothing is lost by repeating: commands are idempotent).</summary>
    internal static async Task<T> AskWithRetry<T>(IActorRef target, object message, CancellationToken ct, TimeSpan? perTry = null, int tries = 30)
    {
        for (int i = 1; ; i++)
        {
            try
            {
                return await target.Ask<T>(message, perTry ?? TimeSpan.FromSeconds(5), ct);
            }
            catch (AskTimeoutException) when (i < tries && !ct.IsCancellationRequested)
            {
            }
        }
    }
}
