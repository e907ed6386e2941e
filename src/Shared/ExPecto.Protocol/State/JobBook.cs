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

/// <summary>Actor-local command of the job manager: the finished job's gene journals are deleted; compact it.</summary>
public sealed record CompactJob(string JobId);

/// <summary>
/// What a compacted job keeps of the genes it dropped: how many the job has in all, how many of them committed and
/// the effect rows they wrote. Their per-gene results are in the job's manifest.json.
/// </summary>
public sealed record JobCompaction(int Genes, int Committed, long Rows);

/// <summary>
/// One job: its spec, its genes, each settled gene's result, and what operators did to it (paused, cancelled, retry
/// round). Pure and immutable. Once finished, a job is compacted (<see cref="JobCompacted"/>): it keeps counts
/// (<see cref="Compaction"/>) and only the genes that failed — what status and retry-failed need — so
/// <see cref="Genes"/>, <see cref="ChromOf"/> and <see cref="Settled"/> then hold the failed genes alone.
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

    /// <summary>What compaction dropped (null: never compacted).</summary>
    public JobCompaction? Compaction { get; init; }

    /// <summary>
    /// Compacted since it last finished: its gene journals are gone. False while finished and not yet compacted
    /// (the job manager deletes the journals, then compacts), and again after a retry reopens it.
    /// </summary>
    public bool Compacted { get; init; }

    /// <summary>Whether genes of this job may be leased now.</summary>
    public bool Leasable => Finished is null && !Paused && !Cancelled;

    /// <summary>Genes of the job, compacted ones included.</summary>
    public int GeneCount => Compaction?.Genes ?? Genes.Length;

    /// <summary>
    /// Committed count, rows and failed genes of <see cref="Settled"/>, kept in step by <see cref="WithSettled"/> and
    /// <see cref="WithoutSettled"/>: status is asked every few hundred milliseconds, and counting a genome-wide job's
    /// settled genes each time cost a visible share of the job manager's time.
    /// </summary>
    public SettledTally Tally { get; init; } = SettledTally.Of(Settled);

    // A Settled replaced some other way (a `with` that skipped the helpers) is counted afresh.
    private SettledTally Counted => ReferenceEquals(Tally.For, Settled) ? Tally : SettledTally.Of(Settled);

    /// <summary>Committed genes, compacted ones included.</summary>
    public int CommittedCount => (Compaction?.Committed ?? 0) + Counted.Committed;

    /// <summary>Effect rows of the committed genes, compacted ones included.</summary>
    public long Rows => (Compaction?.Rows ?? 0) + Counted.Rows;

    public bool AllSettled => Settled.Count + (Compaction?.Committed ?? 0) == GeneCount;

    public int FailedCount => Counted.Failed.Count;

    /// <summary>The failed genes' results (unordered).</summary>
    public IEnumerable<GeneResult> FailedResults => Counted.Failed.Values;

    /// <summary>These results recorded (a gene settled before is replaced), tallies kept in step.</summary>
    public JobState WithSettled(IEnumerable<GeneResult> results)
    {
        var t = Counted;
        var settled = Settled.ToBuilder();
        var failed = t.Failed.ToBuilder();
        int committed = t.Committed;
        long rows = t.Rows;
        foreach (var r in results)
        {
            if (settled.TryGetValue(r.GeneId, out var old)) Count(old, -1);
            settled[r.GeneId] = r;
            Count(r, +1);
        }
        var now = settled.ToImmutable();
        return this with { Settled = now, Tally = new SettledTally(now, committed, rows, failed.ToImmutable()) };

        void Count(GeneResult r, int sign)
        {
            if (r.Outcome is { } o)
            {
                committed += sign;
                rows += sign * o.Rows;
            }
            else if (sign > 0) failed[r.GeneId] = r;
            else failed.Remove(r.GeneId);
        }
    }

    /// <summary>These genes' results dropped (a retry reopens them), tallies kept in step.</summary>
    public JobState WithoutSettled(IEnumerable<string> geneIds)
    {
        var t = Counted;
        var settled = Settled.ToBuilder();
        var failed = t.Failed.ToBuilder();
        int committed = t.Committed;
        long rows = t.Rows;
        foreach (string id in geneIds)
        {
            if (!settled.TryGetValue(id, out var old)) continue;
            settled.Remove(id);
            if (old.Outcome is { } o)
            {
                committed--;
                rows -= o.Rows;
            }
            else failed.Remove(id);
        }
        var now = settled.ToImmutable();
        return this with { Settled = now, Tally = new SettledTally(now, committed, rows, failed.ToImmutable()) };
    }

    /// <summary>Genes not settled yet, in submission order.</summary>
    public IEnumerable<GeneRef> Unsettled => Genes.Where(g => !Settled.ContainsKey(g.GeneId));

    /// <summary>A gene of this job that is not settled (a compacted gene is settled: it committed).</summary>
    public bool IsOpen(string geneId) => ChromOf.ContainsKey(geneId) && !Settled.ContainsKey(geneId);

    /// <summary>
    /// The finished job for the finalizer and the manifest. A compacted job (retried after compaction) needs the
    /// results of the genes compaction dropped, <paramref name="compacted"/>, from its manifest.
    /// </summary>
    public FinishedJob ToFinished(IReadOnlyCollection<GeneResult>? compacted = null)
    {
        if (Compaction is { } c && (compacted is null || compacted.Count != c.Committed))
            throw new InvalidOperationException(
                $"job {JobId} was compacted: its {c.Committed} committed gene(s) are needed from its manifest, got {compacted?.Count ?? 0}");
        var results = Genes.Select(g => Settled.TryGetValue(g.GeneId, out var r)
                ? r with { Chrom = g.Chrom }
                : new GeneResult(g.GeneId, g.Chrom, 0, null, FinishedJob.CancelledError))
            .Concat(compacted ?? []);
        return new FinishedJob(JobId, Spec, Digests, results.OrderBy(r => r.GeneId, StringComparer.Ordinal).ToList(), Cancelled);
    }

    /// <summary>
    /// Drops the committed genes (their results are in the manifest) and the genes a cancelled job never settled,
    /// keeping the failed ones for retry-failed. Each drop adds to <see cref="Compaction"/>.
    /// </summary>
    public JobState Compact()
    {
        var failed = Settled.Values.Where(r => r.Outcome is null).Select(r => r.GeneId).ToHashSet(StringComparer.Ordinal);
        var committed = Settled.Values.Where(r => r.Outcome is not null).ToList();
        var kept = Settled.Where(kv => failed.Contains(kv.Key)).ToImmutableDictionary(Settled.KeyComparer);
        return this with
        {
            Compaction = new JobCompaction(GeneCount, (Compaction?.Committed ?? 0) + committed.Count,
                (Compaction?.Rows ?? 0) + committed.Sum(r => r.Outcome!.Rows)),
            Genes = [.. Genes.Where(g => failed.Contains(g.GeneId))],
            ChromOf = ChromOf.Where(kv => failed.Contains(kv.Key)).ToImmutableDictionary(ChromOf.KeyComparer),
            Settled = kept,
            Tally = SettledTally.Of(kept),
            Compacted = true,
        };
    }

    /// <summary>Ready to finalize: every gene settled, or cancelled (the rest will never run).</summary>
    public bool Finishable => Finished is null && (AllSettled || Cancelled);

    public JobPhase Phase => Finished is { } f
        ? (Cancelled ? JobPhase.Cancelled : f.Complete ? JobPhase.Complete : JobPhase.Partial)
        : Cancelled ? JobPhase.Cancelling : AllSettled ? JobPhase.Finalizing : Paused ? JobPhase.Paused : JobPhase.Running;
}

/// <summary>
/// All jobs the job manager knows, in submission order. Decide: submit (idempotent on the content-derived id),
/// record a gene's settlement (once), finish (once all genes are settled, or cancelled), compact a finished job
/// (once per finish), and the operator's controls (pause, resume, cancel, retry failed genes; <see cref="Refusal"/>
/// says why one does not apply). Apply folds the events.
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
        CompactJob c when Jobs.TryGetValue(c.JobId, out var job) && job.Finished is not null && !job.Compacted => [new JobCompacted(c.JobId)],
        ControlJob c when Refusal(c) is null => Control(Jobs[c.JobId], c.Control),
        _ => [],
    };

    /// <summary>
    /// One write's worth of settlements: per job, in order of first appearance, the genes it has and has not settled yet
    /// (each once; a later duplicate is dropped), as <see cref="JobGenesSettled"/> events of at most
    /// <paramref name="maxPerEvent"/> results each (a journal row stays small however many genes wait).
    /// </summary>
    public IReadOnlyList<IJobEvent> DecideSettlements(IEnumerable<GeneSettled> settled, int maxPerEvent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerEvent, 1);
        var perJob = new Dictionary<string, List<GeneResult>>(StringComparer.Ordinal);
        var order = new List<string>();
        var seen = new HashSet<GeneKey>();
        foreach (var s in settled)
        {
            if (Decide(s).Count == 0 || !seen.Add(new GeneKey(s.JobId, s.Result.GeneId))) continue;
            if (!perJob.TryGetValue(s.JobId, out var results))
            {
                perJob[s.JobId] = results = [];
                order.Add(s.JobId);
            }
            results.Add(s.Result);
        }
        return order.SelectMany(job => perJob[job].Chunk(maxPerEvent).Select(chunk => (IJobEvent)new JobGenesSettled(job, chunk))).ToList();
    }

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
            job.FailedResults.Select(r => r.GeneId).OrderBy(g => g, StringComparer.Ordinal).ToList())],
    };

    public JobBook Apply(IJobEvent e) => e switch
    {
        JobSubmitted s when !Jobs.ContainsKey(s.JobId) => new(Jobs.Add(s.JobId, JobState.From(s)), Order.Add(s.JobId)),
        JobGeneSettled g when Jobs.TryGetValue(g.JobId, out var job) =>
            With(job.WithSettled([g.Result])),
        JobGenesSettled g when Jobs.TryGetValue(g.JobId, out var job) => With(job.WithSettled(g.Results)),
        JobFinished f when Jobs.TryGetValue(f.JobId, out var job) =>
            this with { Jobs = Jobs.SetItem(f.JobId, job with { Finished = f }) },
        JobPaused p when Jobs.TryGetValue(p.JobId, out var job) => With(job with { Paused = true }),
        JobResumed r when Jobs.TryGetValue(r.JobId, out var job) => With(job with { Paused = false }),
        JobCancelled c when Jobs.TryGetValue(c.JobId, out var job) => With(job with { Cancelled = true, Paused = false }),
        JobReopened r when Jobs.TryGetValue(r.JobId, out var job) =>
            With(job.WithoutSettled(r.GeneIds) with { Finished = null, Round = r.Round, Compacted = false }),
        JobCompacted c when Jobs.TryGetValue(c.JobId, out var job) && job.Finished is not null && !job.Compacted => With(job.Compact()),
        _ => this,
    };

    private JobBook With(JobState job) => this with { Jobs = Jobs.SetItem(job.JobId, job) };

    /// <summary>Snapshot form: the events that rebuild this book (a compacted job's submission lists its kept genes).</summary>
    public JobBookSnapshot ToSnapshot() => new(InOrder.Select(j => new JobSnapshotEntry(
        new JobSubmitted(j.JobId, j.Spec, j.Digests, j.Genes) { AtMs = j.SubmittedAtMs },
        j.Settled.Values.OrderBy(r => r.GeneId, StringComparer.Ordinal).ToList(), j.Finished)
    {
        Paused = j.Paused,
        Cancelled = j.Cancelled,
        Round = j.Round,
        Compaction = j.Compaction,
        Compacted = j.Compacted,
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
            book = book.With(job with
            {
                Paused = entry.Paused, Cancelled = entry.Cancelled, Round = entry.Round, Compaction = entry.Compaction, Compacted = entry.Compacted,
            });
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

    /// <summary>Absent from snapshots taken before compaction existed: never compacted.</summary>
    public JobCompaction? Compaction { get; init; }

    public bool Compacted { get; init; }
}

/// <summary>What <see cref="JobState.Settled"/> holds, counted: committed genes, their effect rows, and the failed genes.</summary>
/// <param name="For">The dictionary counted: a tally is valid for that one only.</param>
public sealed record SettledTally(ImmutableDictionary<string, GeneResult> For, int Committed, long Rows, ImmutableDictionary<string, GeneResult> Failed)
{
    public static SettledTally Of(ImmutableDictionary<string, GeneResult> settled) => new(settled,
        settled.Values.Count(r => r.Outcome is not null), settled.Values.Sum(r => r.Outcome?.Rows ?? 0),
        settled.Where(kv => kv.Value.Outcome is null).ToImmutableDictionary(settled.KeyComparer));
}
