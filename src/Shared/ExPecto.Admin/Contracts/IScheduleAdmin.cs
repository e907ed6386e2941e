namespace ExPecto.Admin.Contracts;

/// <summary>
/// A recurring recomputation. <paramref name="Cron"/> is a cron expression evaluated in UTC (five fields, or six with
/// a leading seconds field); <paramref name="NextRunAt"/> is null when the schedule cannot fire again.
/// </summary>
public sealed record ScheduleInfo(
    string Name,
    string Cron,
    string SpecFileName,
    DateTimeOffset? NextRunAt,
    DateTimeOffset? LastRunAt,
    string? LastJobId)
{
    /// <summary>The job of the run in progress, if any (a schedule runs once at a time).</summary>
    public string? RunningJobId { get; init; }

    /// <summary>What the last run did, in words (e.g. "complete: 2 gene(s) recomputed, 0 failed", "up to date (32 gene(s))").</summary>
    public string? LastOutcome { get; init; }
}

/// <summary>
/// What <c>schedule run-now</c> did. <paramref name="Outcome"/>: started (a job of the <paramref name="GenesChanged"/>
/// genes whose inputs changed, into <paramref name="RunFolder"/>) or up-to-date (no gene changed: no job).
/// </summary>
public sealed record ScheduleRunResult(string Name, string Outcome, string? JobId, int GenesChanged, int GenesTotal, string? RunFolder);

/// <summary>
/// The <c>schedule</c> palette; implemented by the coordinator. <see cref="AddAsync"/> validates the cron expression
/// and the spec and throws <see cref="AdminException"/> (BadRequest) when either is malformed, Conflict when the name
/// exists; <see cref="RemoveAsync"/> and <see cref="RunNowAsync"/> throw NotFound for an unknown name;
/// <see cref="RunNowAsync"/> throws Conflict while the schedule's previous run is in progress.
/// </summary>
public interface IScheduleAdmin
{
    Task<IReadOnlyList<ScheduleInfo>> ListAsync(CancellationToken cancellationToken);

    Task<ScheduleInfo> AddAsync(string name, string cron, JobSpec spec, CancellationToken cancellationToken);

    Task RemoveAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Runs the schedule now (outside its cron): recomputes the genes whose inputs changed since its last committed
    /// run, or every gene with <paramref name="force"/>.
    /// </summary>
    Task<ScheduleRunResult> RunNowAsync(string name, bool force, CancellationToken cancellationToken);
}
