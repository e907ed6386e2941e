namespace ExPecto.Admin.Contracts;

/// <summary>
/// Where a job is in its life. Running jobs lease genes; Paused ones lease none (leases in flight finish);
/// Finalizing: every gene settled, the manifest is being written; Completed: every gene committed (_SUCCESS);
/// Partial: finished with failed genes (<c>job retry-failed</c> reopens it); Cancelling/Cancelled: stopped by an
/// operator, the manifest says "cancelled". Failed is for handlers whose jobs fail as a whole.
/// </summary>
public enum JobState
{
    Queued,
    Running,
    Paused,
    Completed,
    Failed,
    Cancelled,
    Finalizing,
    Partial,
    Cancelling,
}

/// <summary>
/// A job as <c>job list</c> shows it. Gene counts are over the job's whole gene set; <paramref name="GenesInFlight"/>
/// are leased to workers now or settled and not yet recorded (they are not in <paramref name="GenesDone"/> yet).
/// </summary>
public sealed record JobSummary(
    string Id,
    string Name,
    JobState State,
    int GenesTotal,
    int GenesDone,
    int GenesFailed,
    DateTimeOffset SubmittedAt,
    int GenesInFlight = 0);

/// <summary>
/// One job in detail (<c>job status &lt;id&gt;</c>). <paramref name="GenesInFlight"/> are leased to workers now or
/// settled and not yet recorded;
/// <paramref name="RecentFailures"/> are the last few failed genes with their error, newest first.
/// </summary>
public sealed record JobDetail(
    JobSummary Summary,
    int GenesInFlight,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? OutputPath,
    IReadOnlyList<JobGeneFailure> RecentFailures);

/// <summary>A gene that failed in a job, with the error as one line.</summary>
public sealed record JobGeneFailure(string Gene, int Attempts, string Error);

/// <summary>A job specification as the operator wrote it: the file's name (for messages) and its text.</summary>
public sealed record JobSpec(string FileName, string Text);

/// <summary>The answer to <c>job retry-failed</c>: how many failed genes went back to the queue.</summary>
public sealed record JobRetryResult(string JobId, int GenesRequeued);

/// <summary>
/// Job control for the <c>job</c> palette; implemented by the coordinator. Register it in DI
/// (<c>services.AddSingleton&lt;IJobAdmin, …&gt;()</c>) or pass it to <see cref="Hosting.AdminServer.StartAsync"/>.
/// Throw <see cref="AdminException"/> for operator errors (unknown id → NotFound, resuming a finished job → Conflict,
/// a malformed spec → BadRequest); the message becomes the client's one error line.
/// </summary>
public interface IJobAdmin
{
    Task<IReadOnlyList<JobSummary>> ListAsync(CancellationToken cancellationToken);

    Task<JobDetail> GetAsync(string jobId, CancellationToken cancellationToken);

    Task<JobSummary> SubmitAsync(JobSpec spec, CancellationToken cancellationToken);

    Task<JobSummary> PauseAsync(string jobId, CancellationToken cancellationToken);

    Task<JobSummary> ResumeAsync(string jobId, CancellationToken cancellationToken);

    Task<JobSummary> CancelAsync(string jobId, CancellationToken cancellationToken);

    Task<JobRetryResult> RetryFailedAsync(string jobId, CancellationToken cancellationToken);
}
