using Akka.Actor;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Processing;

namespace ExPecto.Protocol.Messages;

/// <summary>Client → job manager: run this job (idempotent: the id is derived from the content). Answered by <see cref="SubmitJobResponse"/>.</summary>
public sealed record SubmitJob(string JobId, JobSpec Spec, InputDigests Digests, IReadOnlyList<GeneRef> Genes) : IExPectoMessage;

public sealed record SubmitJobResponse(string JobId, bool AlreadyKnown, JobStatusView Status) : IExPectoMessage;

/// <summary>Client → job manager: status of one job, or of all jobs when JobId is null. Answered by <see cref="JobStatusResponse"/>.</summary>
public sealed record GetJobStatus(string? JobId) : IExPectoMessage;

public sealed record JobStatusResponse(IReadOnlyList<JobStatusView> Jobs) : IExPectoMessage;

/// <summary>
/// Progress of a job. Phase: running, paused, finalizing, complete, partial, cancelling, cancelled.
/// <paramref name="SubmittedAtMs"/> and <paramref name="FinishedAtMs"/> are Unix ms (0: unknown, e.g. jobs journaled before they were recorded).
/// </summary>
public sealed record JobStatusView(string JobId, JobPhase Phase, int Genes, int Committed, int Failed, int Leased, string OutputDir, IReadOnlyList<GeneResult> FailedGenes)
{
    public long SubmittedAtMs { get; init; }

    public long FinishedAtMs { get; init; }

    /// <summary>Mutations scored (effect rows) of the committed genes: the progress line's mutations/s.</summary>
    public long Mutations { get; init; }
}

/// <summary>
/// Worker → job manager, at start and every heartbeat: "this worker has <paramref name="Capacity"/> slots and holds
/// these genes". The job manager keeps at most Capacity genes outstanding per worker (the credit window); settled,
/// expired or declined genes return their credit. Holding lists rebuild the window after a coordinator restart.
/// </summary>
public sealed record RegisterWorker(string WorkerId, IActorRef Worker, int Capacity, IReadOnlyList<HeldGene> Holding) : IExPectoMessage
{
    /// <summary>What the device loop has done so far (absent from workers that predate it).</summary>
    public WorkerStats? Stats { get; init; }
}

public sealed record HeldGene(string JobId, string GeneId, int Attempt);

/// <summary>
/// A device loop's counters as its heartbeat reports them: the device, the batch size of the gene it runs (0 when
/// idle), the gene it runs now, mutations per second over its last gene, genes completed and failed attempts since it started.
/// </summary>
public sealed record WorkerStats(string Device, int BatchSize, string? CurrentGene, double MutationsPerSecond, long GenesDone, long Errors);

/// <summary>Client → job manager: the workers registered now, with their stats. Answered by <see cref="WorkerListResponse"/>.</summary>
public sealed record GetWorkers : IExPectoMessage;

/// <summary><paramref name="LastSeenMs"/>: Unix ms of the last heartbeat.</summary>
public sealed record WorkerView(string WorkerId, string Address, int Capacity, int Leased, WorkerStats? Stats, long LastSeenMs);

public sealed record WorkerListResponse(IReadOnlyList<WorkerView> Workers) : IExPectoMessage;

/// <summary>What an operator can do to a job (see <see cref="ControlJob"/>).</summary>
public enum JobControl
{
    /// <summary>Lease no more genes of the job; genes in flight may finish and commit.</summary>
    Pause,

    /// <summary>Lease the job's genes again.</summary>
    Resume,

    /// <summary>Lease nothing more, revoke leases in flight, finish the job as cancelled (manifest says so, no _SUCCESS).</summary>
    Cancel,

    /// <summary>Put the failed genes back to pending with fresh attempts and reopen the job.</summary>
    RetryFailed,
}

/// <summary>Client → job manager: apply <paramref name="Control"/> to a job. Answered by <see cref="ControlJobResponse"/>.</summary>
public sealed record ControlJob(string JobId, JobControl Control) : IExPectoMessage;

/// <summary>
/// <paramref name="Error"/> is null on success, else one line ("unknown job", "job is complete"); <paramref name="NotFound"/>
/// tells an unknown id from a refused transition. <paramref name="GenesRequeued"/> counts genes a retry sent back.
/// </summary>
public sealed record ControlJobResponse(string JobId, string? Error, bool NotFound, int GenesRequeued, JobStatusView? Status) : IExPectoMessage;

// Persisted by the job manager. Extend-only.

public sealed record JobSubmitted(string JobId, JobSpec Spec, InputDigests Digests, IReadOnlyList<GeneRef> Genes) : IJobEvent
{
    /// <summary>Unix ms of the submission (0 in events journaled before it was recorded).</summary>
    public long AtMs { get; init; }
}

public sealed record JobGeneSettled(string JobId, GeneResult Result) : IJobEvent;

/// <summary>
/// Several genes of one job settled, recorded in one journal row: the job manager's group commit of the settlements
/// that arrived while its previous write was in flight. Folds like one <see cref="JobGeneSettled"/> per result.
/// </summary>
public sealed record JobGenesSettled(string JobId, IReadOnlyList<GeneResult> Results) : IJobEvent;

/// <summary>Manifest (and _SUCCESS when complete) written, finalizer run.</summary>
public sealed record JobFinished(string JobId, bool Complete, IReadOnlyList<string> ExtraFiles) : IJobEvent
{
    /// <summary>Unix ms of the finish (0 in events journaled before it was recorded).</summary>
    public long AtMs { get; init; }
}

/// <summary>An operator paused the job: no new leases until <see cref="JobResumed"/>.</summary>
public sealed record JobPaused(string JobId) : IJobEvent;

public sealed record JobResumed(string JobId) : IJobEvent;

/// <summary>An operator cancelled the job: no new leases; it finishes as cancelled.</summary>
public sealed record JobCancelled(string JobId) : IJobEvent;

/// <summary>
/// An operator retried the job's failed genes: their settlements are dropped, the job is unfinished again, and
/// <paramref name="Round"/> (1, 2, …) tells each gene entity which reset it is, so a repeated reset is a no-op.
/// </summary>
public sealed record JobReopened(string JobId, int Round, IReadOnlyList<string> GeneIds) : IJobEvent;

/// <summary>
/// The finished job's gene journals and snapshots are deleted and it keeps only counts and its failed genes (the
/// committed genes' results are in its manifest). Once per finish; a retry reopens it and it is compacted again.
/// </summary>
public sealed record JobCompacted(string JobId) : IJobEvent;
