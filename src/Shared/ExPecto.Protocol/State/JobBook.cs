using System.Collections.Immutable;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;

namespace ExPecto.Protocol.State;

/// <summary>Actor-local command of the job manager: finalization of a job ran and wrote these extra files.</summary>
public sealed record FinishJob(string JobId, bool Complete, IReadOnlyList<string> ExtraFiles)
{
    /// <summary>Unix ms of the finish, recorded in the event.</summary>
    public long AtMs { get; init; }
}

/// <summary>
/// One job: its spec, its genes, each settled gene's result, and what operators did to it (paused, cancelled, retry
/// round). Pure and immutable.
/// </summary>
public sealed record JobState(
    string JobId,
    JobSpec Spec,
    InputDigests Digests,
    ImmutableArray<GeneRef> Genes,
    ImmutableDictionary<string, string> ChromOf,
    ImmutableDictionary<string, GeneResult> Settled,
    JobFinished? Finished)
{
    public static JobState From(JobSubmitted e) => new(
        e.JobId, e.Spec, e.Digests, [.. e.Genes], e.Genes.ToImmutableDictionary(g => g.GeneId, g => g.Chrom, StringComparer.Ordinal),
        ImmutableDictionary.Create<string, GeneResult>(StringComparer.Ordinal), null)
    {
        SubmittedAtMs = e.AtMs,
    };

    /// <summary>No new leases while paused; leases in flight may still commit.</summary>
    public bool Paused { get; init; }

    /// <summary>Cancelled by an operator: no new leases, finishes as cancelled whatever is unsettled.</summary>
    public bool Cancelled { get; init; }

    /// <summary>How many times failed genes were retried (<see cref="JobReopened.Round"/> of the last retry).</summary>
    public int Round { get; init; }

    public long SubmittedAtMs { get; init; }

    /// <summary>Whether genes of this job may be leased now.</summary>
    public bool Leasable => Finished is null && !Paused && !Cancelled;

    public bool AllSettled => Settled.Count == Genes.Length;

    public int FailedCount => Settled.Values.Count(r => r.Outcome is null);

    /// <summary>Genes not settled yet, in submission order.</summary>
    public IEnumerable<GeneRef> Unsettled => Genes.Where(g => !Settled.ContainsKey(g.GeneId));

    public FinishedJob ToFinished() => new(JobId, Spec, Digests,
        Genes.Select(g => Settled.TryGetValue(g.GeneId, out var r)
                ? r with { Chrom = g.Chrom }
                : new GeneResult(g.GeneId, g.Chrom, 0, null, FinishedJob.CancelledError))
            .OrderBy(r => r.GeneId, StringComparer.Ordinal).ToList(),
        Cancelled);

    /// <summary>Ready to finalize: every gene settled, or cancelled (the rest will never run).</summary>
    public bool Finishable => Finished is null && (AllSettled || Cancelled);

    public JobPhase Phase => Finished is { } f
        ? (Cancelled ? JobPhase.Cancelled : f.Complete ? JobPhase.Complete : JobPhase.Partial)
        : Cancelled ? JobPhase.Cancelling : AllSettled ? JobPhase.Finalizing : Paused ? JobPhase.Paused : JobPhase.Running;
}

/// <summary>
/// All jobs the job manager knows, in submission order. Decide: submit (idempotent on the content-derived id),
/// record a gene's settlement (once), finish (once all genes are settled, or cancelled), and the operator's
/// controls (pause, resume, cancel, retry failed genes; <see cref="Refusal"/> says why one does not apply).
/// Apply folds the events.
/// </summary>
public sealed record JobBook(ImmutableDictionary<string, JobState> Jobs, ImmutableList<string> Order)
{
    public static JobBook Empty { get; } = new(ImmutableDictionary.Create<string, JobState>(StringComparer.Ordinal), []);

    public IEnumerable<JobState> InOrder => Order.Select(id => Jobs[id]);

    public IReadOnlyList<IJobEvent> Decide(object command) => command switch
    {
        SubmitJob c when !Jobs.ContainsKey(c.JobId) => [new JobSubmitted(c.JobId, c.Spec, c.Digests, c.Genes)],
        GeneSettled c when Jobs.TryGetValue(c.JobId, out var job)
                           && job.ChromOf.ContainsKey(c.Result.GeneId)
                           && !job.Settled.ContainsKey(c.Result.GeneId) => [new JobGeneSettled(c.JobId, c.Result)],
        FinishJob c when Jobs.TryGetValue(c.JobId, out var job) && job.Finishable =>
            [new JobFinished(c.JobId, c.Complete && !job.Cancelled, c.ExtraFiles) { AtMs = c.AtMs }],
        ControlJob c when Refusal(c) is null => Control(Jobs[c.JobId], c.Control),
        _ => [],
    };

    /// <summary>Why <paramref name="c"/> does not apply (one line), or null when it does.</summary>
    public string? Refusal(ControlJob c)
    {
        if (!Jobs.TryGetValue(c.JobId, out var job))
            return $"unknown job '{c.JobId}'";
        return c.Control switch
        {
            _ when job.Cancelled => $"job {c.JobId} is {job.Phase.Name()}",
            JobControl.Pause when job.Finished is not null => $"job {c.JobId} is {job.Phase.Name()}; nothing to pause",
            JobControl.Pause when job.Paused => $"job {c.JobId} is already paused",
            JobControl.Resume when !job.Paused => $"job {c.JobId} is {job.Phase.Name()}, not paused",
            JobControl.Cancel when job.Finished is not null => $"job {c.JobId} is {job.Phase.Name()}; nothing to cancel",
            JobControl.RetryFailed when job.FailedCount == 0 => $"job {c.JobId} has no failed genes",
            JobControl.Pause or JobControl.Resume or JobControl.Cancel or JobControl.RetryFailed => null,
            _ => $"unknown control {c.Control}",
        };
    }

    private static IReadOnlyList<IJobEvent> Control(JobState job, JobControl control) => control switch
    {
        JobControl.Pause => [new JobPaused(job.JobId)],
        JobControl.Resume => [new JobResumed(job.JobId)],
        JobControl.Cancel => [new JobCancelled(job.JobId)],
        _ => [new JobReopened(job.JobId, job.Round + 1,
            job.Settled.Values.Where(r => r.Outcome is null).Select(r => r.GeneId).OrderBy(g => g, StringComparer.Ordinal).ToList())],
    };

    public JobBook Apply(IJobEvent e) => e switch
    {
        JobSubmitted s when !Jobs.ContainsKey(s.JobId) => new(Jobs.Add(s.JobId, JobState.From(s)), Order.Add(s.JobId)),
        JobGeneSettled g when Jobs.TryGetValue(g.JobId, out var job) =>
            this with { Jobs = Jobs.SetItem(g.JobId, job with { Settled = job.Settled.SetItem(g.Result.GeneId, g.Result) }) },
        JobFinished f when Jobs.TryGetValue(f.JobId, out var job) =>
            this with { Jobs = Jobs.SetItem(f.JobId, job with { Finished = f }) },
        JobPaused p when Jobs.TryGetValue(p.JobId, out var job) => With(job with { Paused = true }),
        JobResumed r when Jobs.TryGetValue(r.JobId, out var job) => With(job with { Paused = false }),
        JobCancelled c when Jobs.TryGetValue(c.JobId, out var job) => With(job with { Cancelled = true, Paused = false }),
        JobReopened r when Jobs.TryGetValue(r.JobId, out var job) =>
            With(job with { Settled = job.Settled.RemoveRange(r.GeneIds), Finished = null, Round = r.Round }),
        _ => this,
    };

    private JobBook With(JobState job) => this with { Jobs = Jobs.SetItem(job.JobId, job) };

    /// <summary>Snapshot form: the events that rebuild this book.</summary>
    public JobBookSnapshot ToSnapshot() => new(InOrder.Select(j => new JobSnapshotEntry(
        new JobSubmitted(j.JobId, j.Spec, j.Digests, j.Genes) { AtMs = j.SubmittedAtMs },
        j.Settled.Values.OrderBy(r => r.GeneId, StringComparer.Ordinal).ToList(), j.Finished)
    {
        Paused = j.Paused,
        Cancelled = j.Cancelled,
        Round = j.Round,
    }).ToList());

    public static JobBook FromSnapshot(JobBookSnapshot snapshot)
    {
        var book = Empty;
        foreach (var entry in snapshot.Jobs)
        {
            book = book.Apply(entry.Submitted);
            foreach (var r in entry.Settled) book = book.Apply(new JobGeneSettled(entry.Submitted.JobId, r));
            if (entry.Finished is { } f) book = book.Apply(f);
            var job = book.Jobs[entry.Submitted.JobId];
            book = book.With(job with { Paused = entry.Paused, Cancelled = entry.Cancelled, Round = entry.Round });
        }
        return book;
    }
}

public sealed record JobBookSnapshot(IReadOnlyList<JobSnapshotEntry> Jobs) : IExPectoMessage;

public sealed record JobSnapshotEntry(JobSubmitted Submitted, IReadOnlyList<GeneResult> Settled, JobFinished? Finished)
{
    public bool Paused { get; init; }

    public bool Cancelled { get; init; }

    public int Round { get; init; }
}
