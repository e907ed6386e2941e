namespace ExPecto.Protocol.Messages;

/// <summary>Events persisted by the schedule manager.</summary>
public interface IScheduleEvent : IExPectoMessage
{
    string Name { get; }
}

// Commands and queries to the schedule manager (cluster singleton on the coordinator role). Every command is
// answered by a ScheduleReply; ListSchedules by a ScheduleListResponse.

/// <summary>Adds a schedule: a cron expression (UTC; 5 fields, or 6 with seconds) and the text of a job spec file.</summary>
public sealed record AddSchedule(string Name, string Cron, string SpecFileName, string SpecText) : IExPectoMessage;

/// <summary>Removes a schedule and forgets its digests; a job it started keeps running.</summary>
public sealed record RemoveSchedule(string Name) : IExPectoMessage;

/// <summary>Starts the schedule's run now, outside its cron. <paramref name="Force"/>: every gene, changed or not.</summary>
public sealed record RunScheduleNow(string Name, bool Force) : IExPectoMessage;

public sealed record ListSchedules : IExPectoMessage;

public sealed record ScheduleListResponse(IReadOnlyList<ScheduleView> Schedules) : IExPectoMessage;

/// <summary>
/// The answer to a schedule command. <paramref name="Error"/> is null on success; otherwise
/// <paramref name="ErrorKind"/> is not-found, conflict or bad-request.
/// </summary>
public sealed record ScheduleReply(string? Error, string? ErrorKind, ScheduleView? Schedule, ScheduleRunView? Run) : IExPectoMessage
{
    public const string NotFound = "not-found";
    public const string Conflict = "conflict";
    public const string BadRequest = "bad-request";
}

/// <summary>A schedule as listed. <paramref name="RunningJobId"/> is the job of the run in progress, if any.</summary>
public sealed record ScheduleView(
    string Name,
    string Cron,
    string SpecFileName,
    DateTimeOffset? NextRunAt,
    DateTimeOffset? LastRunAt,
    string? LastJobId,
    string? RunningJobId,
    string? LastOutcome,
    int GenesCommitted);

/// <summary>
/// What one run did. Outcome: started (a job of <paramref name="GenesChanged"/> genes), up-to-date (no gene changed,
/// no job), failed (the spec or its inputs could not be read; <paramref name="Error"/> says why).
/// </summary>
public sealed record ScheduleRunView(string Name, string Outcome, string? JobId, int GenesChanged, int GenesTotal, string? RunFolder, string? Error)
{
    public const string Started = "started";
    public const string UpToDate = "up-to-date";
    public const string Failed = "failed";
}

/// <summary>A gene of a run with its input digest (see <see cref="Jobs.GeneInputDigest"/>).</summary>
public sealed record GeneDigest(string GeneId, string Chrom, string Digest);

// Persisted by the schedule manager. Extend-only. DueAt is the cron occurrence the event handles (null for run-now);
// every occurrence at or before it counts as handled.

public sealed record ScheduleAdded(string Name, string Cron, string SpecFileName, string SpecText, DateTimeOffset AddedAt) : IScheduleEvent;

public sealed record ScheduleRemoved(string Name, DateTimeOffset At) : IScheduleEvent;

/// <summary>An occurrence fell due while a run was in progress: not started twice, only recorded.</summary>
public sealed record ScheduleOccurrenceSkipped(string Name, DateTimeOffset DueAt, string RunningJobId) : IScheduleEvent;

/// <summary>
/// A run submitted <paramref name="Submit"/> (its genes are the changed ones) into <paramref name="RunFolder"/>, under
/// the schedule's <paramref name="OutputRoot"/>. <paramref name="Genes"/> holds every gene's digest at this run.
/// </summary>
public sealed record ScheduleRunStarted(
    string Name,
    DateTimeOffset? DueAt,
    DateTimeOffset StartedAt,
    bool Force,
    string OutputRoot,
    string RunFolder,
    IReadOnlyList<GeneDigest> Genes,
    SubmitJob Submit) : IScheduleEvent;

/// <summary>No gene changed since the last committed run: nothing was submitted.</summary>
public sealed record ScheduleRunUpToDate(string Name, DateTimeOffset? DueAt, DateTimeOffset At, int GenesTotal) : IScheduleEvent;

/// <summary>The spec or its inputs could not be read; the occurrence counts as handled (the next one tries again).</summary>
public sealed record ScheduleRunFailed(string Name, DateTimeOffset? DueAt, DateTimeOffset At, string Error) : IScheduleEvent;

/// <summary>The run's job finished (<paramref name="Phase"/>: complete, partial, …); <paramref name="Committed"/> genes now hold the run's digests.</summary>
public sealed record ScheduleRunFinished(string Name, string JobId, DateTimeOffset At, JobPhase Phase, IReadOnlyList<string> Committed, int Failed) : IScheduleEvent;
