using System.Collections.Immutable;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;

namespace ExPecto.Protocol.State;

/// <summary>Actor-local command of the job manager: finalization of a job ran and wrote these extra files.</summary>
public sealed record FinishJob(string JobId, bool Complete, IReadOnlyList<string> ExtraFiles);

/// <summary>One job: its spec, its genes, and each settled gene's result. Pure and immutable.</summary>
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
        ImmutableDictionary.Create<string, GeneResult>(StringComparer.Ordinal), null);

    public bool AllSettled => Settled.Count == Genes.Length;

    public int FailedCount => Settled.Values.Count(r => r.Outcome is null);

    /// <summary>Genes not settled yet, in submission order.</summary>
    public IEnumerable<GeneRef> Unsettled => Genes.Where(g => !Settled.ContainsKey(g.GeneId));

    public FinishedJob ToFinished() => new(JobId, Spec, Digests,
        Genes.Select(g => Settled[g.GeneId] with { Chrom = g.Chrom }).OrderBy(r => r.GeneId, StringComparer.Ordinal).ToList());

    public string Phase => Finished is { } f ? (f.Complete ? "complete" : "partial") : AllSettled ? "finalizing" : "running";
}

/// <summary>
/// All jobs the job manager knows, in submission order. Decide: submit (idempotent on the content-derived id),
/// record a gene's settlement (once), finish (once all genes are settled). Apply folds the events.
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
        FinishJob c when Jobs.TryGetValue(c.JobId, out var job) && job.AllSettled && job.Finished is null =>
            [new JobFinished(c.JobId, c.Complete, c.ExtraFiles)],
        _ => [],
    };

    public JobBook Apply(IJobEvent e) => e switch
    {
        JobSubmitted s when !Jobs.ContainsKey(s.JobId) => new(Jobs.Add(s.JobId, JobState.From(s)), Order.Add(s.JobId)),
        JobGeneSettled g when Jobs.TryGetValue(g.JobId, out var job) =>
            this with { Jobs = Jobs.SetItem(g.JobId, job with { Settled = job.Settled.SetItem(g.Result.GeneId, g.Result) }) },
        JobFinished f when Jobs.TryGetValue(f.JobId, out var job) =>
            this with { Jobs = Jobs.SetItem(f.JobId, job with { Finished = f }) },
        _ => this,
    };

    /// <summary>Snapshot form: the events that rebuild this book.</summary>
    public JobBookSnapshot ToSnapshot() => new(InOrder.Select(j => new JobSnapshotEntry(
        new JobSubmitted(j.JobId, j.Spec, j.Digests, j.Genes), j.Settled.Values.OrderBy(r => r.GeneId, StringComparer.Ordinal).ToList(), j.Finished)).ToList());

    public static JobBook FromSnapshot(JobBookSnapshot snapshot)
    {
        var book = Empty;
        foreach (var entry in snapshot.Jobs)
        {
            book = book.Apply(entry.Submitted);
            foreach (var r in entry.Settled) book = book.Apply(new JobGeneSettled(entry.Submitted.JobId, r));
            if (entry.Finished is { } f) book = book.Apply(f);
        }
        return book;
    }
}

public sealed record JobBookSnapshot(IReadOnlyList<JobSnapshotEntry> Jobs) : IExPectoMessage;

public sealed record JobSnapshotEntry(JobSubmitted Submitted, IReadOnlyList<GeneResult> Settled, JobFinished? Finished);
