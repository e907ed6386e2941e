using Akka.Actor;
using Akka.Hosting;
using ExPecto.Admin;
using ExPecto.Admin.Contracts;
using ExPecto.Coordinator.Jobs;
using ExPecto.Core;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;
using AdminJobSpec = ExPecto.Admin.Contracts.JobSpec;
using AdminJobState = ExPecto.Admin.Contracts.JobState;
using ExPecto.Protocol;

namespace ExPecto.Coordinator.Admin;

/// <summary>
/// The <c>job</c> palette on a coordinator node: every call is one ask of the job manager singleton (through its
/// proxy in the <see cref="ActorRegistry"/>), so any coordinator node answers for the whole cluster.
/// A submitted spec's relative paths resolve against this process's working directory; its engine and parameters
/// are checked against <paramref name="engines"/>.
/// </summary>
public sealed class CoordinatorJobAdmin(ActorRegistry registry, ExPecto.Protocol.Processing.EngineCatalog engines, TimeSpan? askTimeout = null) : IJobAdmin
{
    /// <summary>Recent failures shown by <c>job status</c>.</summary>
    public const int RecentFailureCount = 10;

    private readonly TimeSpan _timeout = askTimeout ?? TimeSpan.FromSeconds(10);

    public async Task<IReadOnlyList<JobSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var response = await AskAsync<JobStatusResponse>(new GetJobStatus(null), cancellationToken);
        return response.Jobs.Select(Summary).ToList();
    }

    public async Task<JobDetail> GetAsync(string jobId, CancellationToken cancellationToken)
    {
        var response = await AskAsync<JobStatusResponse>(new GetJobStatus(jobId), cancellationToken);
        var view = response.Jobs.SingleOrDefault() ?? throw AdminException.NotFound($"unknown job '{jobId}'");
        var failures = view.FailedGenes.Take(RecentFailureCount)
            .Select(f => new JobGeneFailure(f.GeneId, f.Attempts, OneLine(f.Error ?? ""))).ToList();
        return new JobDetail(Summary(view), view.Leased, At(view.SubmittedAtMs), At(view.FinishedAtMs), view.OutputDir, failures);
    }

    public async Task<JobSummary> SubmitAsync(AdminJobSpec spec, CancellationToken cancellationToken)
    {
        Protocol.Processing.JobSpec jobSpec;
        IReadOnlyList<Protocol.Processing.GeneRef> genes;
        InputDigests digests;
        try
        {
            (jobSpec, genes) = JobSpecFile.Parse(spec.FileName, spec.Text).Resolve(engines, Environment.CurrentDirectory, spec.FileName);
            digests = JobIdentity.DigestInputs(jobSpec);
        }
        catch (Exception e) when (e is InputException or IOException or UnauthorizedAccessException)
        {
            throw AdminException.BadRequest(OneLine(e.Message));
        }
        string jobId = JobIdentity.Compute(digests, jobSpec, genes);
        var response = await AskAsync<SubmitJobResponse>(new SubmitJob(jobId, jobSpec, digests, genes), cancellationToken);
        return Summary(response.Status);
    }

    public Task<JobSummary> PauseAsync(string jobId, CancellationToken cancellationToken) => ControlAsync(jobId, JobControl.Pause, cancellationToken);

    public Task<JobSummary> ResumeAsync(string jobId, CancellationToken cancellationToken) => ControlAsync(jobId, JobControl.Resume, cancellationToken);

    public Task<JobSummary> CancelAsync(string jobId, CancellationToken cancellationToken) => ControlAsync(jobId, JobControl.Cancel, cancellationToken);

    public async Task<JobRetryResult> RetryFailedAsync(string jobId, CancellationToken cancellationToken)
    {
        var response = await SendControlAsync(jobId, JobControl.RetryFailed, cancellationToken);
        return new JobRetryResult(jobId, response.GenesRequeued);
    }

    private async Task<JobSummary> ControlAsync(string jobId, JobControl control, CancellationToken ct) =>
        Summary((await SendControlAsync(jobId, control, ct)).Status!);

    private async Task<ControlJobResponse> SendControlAsync(string jobId, JobControl control, CancellationToken ct)
    {
        var response = await AskAsync<ControlJobResponse>(new ControlJob(jobId, control), ct);
        if (response.Error is { } error)
            throw response.NotFound ? AdminException.NotFound(error) : AdminException.Conflict(error);
        return response;
    }

    private async Task<T> AskAsync<T>(object message, CancellationToken ct)
    {
        var jobManager = await registry.GetAsync<JobManager>(ct);
        return await jobManager.Ask<T>(message, _timeout, ct);
    }

    /// <summary>The admin view of a job manager phase (see <see cref="Protocol.State.JobState.Phase"/>).</summary>
    public static AdminJobState StateOf(JobPhase phase) => phase switch
    {
        JobPhase.Running => AdminJobState.Running,
        JobPhase.Paused => AdminJobState.Paused,
        JobPhase.Finalizing => AdminJobState.Finalizing,
        JobPhase.Complete => AdminJobState.Completed,
        JobPhase.Partial => AdminJobState.Partial,
        JobPhase.Cancelling => AdminJobState.Cancelling,
        JobPhase.Cancelled => AdminJobState.Cancelled,
        _ => AdminJobState.Queued,
    };

    private static JobSummary Summary(JobStatusView v) => new(
        v.JobId, v.OutputDir, StateOf(v.Phase), v.Genes, v.Committed, v.Failed, At(v.SubmittedAtMs) ?? DateTimeOffset.UnixEpoch, v.Leased);

    private static DateTimeOffset? At(long unixMs) => unixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs) : null;

    private static string OneLine(string s) => s.Split('\n', 2)[0].Trim();
}

/// <summary>The <c>workers</c> palette on a coordinator node: the job manager's registered device loops and their heartbeat stats.</summary>
public sealed class CoordinatorWorkerAdmin(ActorRegistry registry, TimeSpan? askTimeout = null) : IWorkerAdmin
{
    private readonly TimeSpan _timeout = askTimeout ?? TimeSpan.FromSeconds(10);

    public async Task<IReadOnlyList<WorkerInfo>> ListAsync(CancellationToken cancellationToken)
    {
        var jobManager = await registry.GetAsync<JobManager>(cancellationToken);
        var response = await jobManager.Ask<WorkerListResponse>(new GetWorkers(), _timeout, cancellationToken);
        return response.Workers
            .OrderBy(w => w.Address, StringComparer.Ordinal).ThenBy(w => w.WorkerId, StringComparer.Ordinal)
            .Select(w => new WorkerInfo(
                w.Address,
                w.Stats?.Device ?? w.WorkerId[(w.WorkerId.LastIndexOf('/') + 1)..],
                w.Stats?.BatchSize ?? 0,
                w.Stats?.CurrentGene,
                Math.Round(w.Stats?.MutationsPerSecond ?? 0, 1),
                w.Stats?.GenesDone ?? 0,
                w.Stats?.Errors ?? 0,
                w.Leased,
                DateTimeOffset.FromUnixTimeMilliseconds(w.LastSeenMs)))
            .ToList();
    }
}

/// <summary>Registers the coordinator's admin handlers (serve and embedded run).</summary>
public static class CoordinatorAdminRegistration
{
    /// <param name="engines">What jobs submitted through the console are checked against (this node's engines).</param>
    public static IServiceCollection AddExPectoCoordinatorAdmin(this IServiceCollection services, ExPecto.Protocol.Processing.EngineCatalog engines)
    {
        services.AddSingleton<IJobAdmin>(sp => new CoordinatorJobAdmin(sp.GetRequiredService<ActorRegistry>(), engines));
        services.AddSingleton<IWorkerAdmin>(sp => new CoordinatorWorkerAdmin(sp.GetRequiredService<ActorRegistry>()));
        return services;
    }
}
