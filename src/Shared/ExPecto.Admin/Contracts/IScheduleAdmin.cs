namespace ExPecto.Admin.Contracts;

/// <summary>
/// A recurring recomputation. <paramref name="Cron"/> is a five-field cron expression evaluated in UTC;
/// <paramref name="NextRunAt"/> is null when the schedule cannot fire again.
/// </summary>
public sealed record ScheduleInfo(
    string Name,
    string Cron,
    string SpecFileName,
    DateTimeOffset? NextRunAt,
    DateTimeOffset? LastRunAt,
    string? LastJobId);

/// <summary>
/// The <c>schedule</c> palette; implemented by the coordinator. <see cref="AddAsync"/> validates the cron expression
/// and the spec and throws <see cref="AdminException"/> (BadRequest) when either is malformed, Conflict when the name
/// exists; <see cref="RemoveAsync"/> and <see cref="RunNowAsync"/> throw NotFound for an unknown name.
/// </summary>
public interface IScheduleAdmin
{
    Task<IReadOnlyList<ScheduleInfo>> ListAsync(CancellationToken cancellationToken);

    Task<ScheduleInfo> AddAsync(string name, string cron, JobSpec spec, CancellationToken cancellationToken);

    Task RemoveAsync(string name, CancellationToken cancellationToken);

    /// <summary>Submits the schedule's job now (outside its cron), returning the submitted job.</summary>
    Task<JobSummary> RunNowAsync(string name, CancellationToken cancellationToken);
}
