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

/// <summary>Progress of a job. Phase: running, finalizing, complete, partial.</summary>
public sealed record JobStatusView(string JobId, string Phase, int Genes, int Committed, int Failed, int Leased, string OutputDir, IReadOnlyList<GeneResult> FailedGenes);

/// <summary>
/// Worker → job manager, at start and every heartbeat: "this worker has <paramref name="Capacity"/> slots and holds
/// these genes". The job manager keeps at most Capacity genes outstanding per worker (the credit window); settled,
/// expired or declined genes return their credit. Holding lists rebuild the window after a coordinator restart.
/// </summary>
public sealed record RegisterWorker(string WorkerId, IActorRef Worker, int Capacity, IReadOnlyList<HeldGene> Holding) : IExPectoMessage;

public sealed record HeldGene(string JobId, string GeneId, int Attempt);

// Persisted by the job manager. Extend-only.

public sealed record JobSubmitted(string JobId, JobSpec Spec, InputDigests Digests, IReadOnlyList<GeneRef> Genes) : IJobEvent;

public sealed record JobGeneSettled(string JobId, GeneResult Result) : IJobEvent;

/// <summary>Manifest (and _SUCCESS when complete) written, finalizer run.</summary>
public sealed record JobFinished(string JobId, bool Complete, IReadOnlyList<string> ExtraFiles) : IJobEvent;
