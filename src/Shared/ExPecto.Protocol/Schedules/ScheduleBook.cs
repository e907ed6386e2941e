using System.Collections.Immutable;
using ExPecto.Protocol.Messages;

namespace ExPecto.Protocol.Schedules;

/// <summary>A gene as its schedule's last committed run left it: the input digest it was computed from and where its output lies.</summary>
public sealed record CommittedGene(string Chrom, string Digest, string RunFolder);

/// <summary>The run of a schedule whose job has not finished yet.</summary>
public sealed record ScheduleRun(string JobId, DateTimeOffset StartedAt, string OutputRoot, string RunFolder, ImmutableDictionary<string, GeneDigest> Submitted, SubmitJob Submit);

/// <summary>
/// One schedule. <see cref="Cursor"/>: every cron occurrence at or before it is handled (ran, was up to date, failed or
/// was skipped); the next due time is the first occurrence after it. <see cref="Committed"/>: per gene, the digest and
/// run folder of its last committed computation. Pure and immutable.
/// </summary>
public sealed record ScheduleState(
    string Name,
    string Cron,
    string SpecFileName,
    string SpecText,
    DateTimeOffset AddedAt,
    DateTimeOffset Cursor,
    DateTimeOffset? LastRunAt,
    string? LastJobId,
    string? LastOutcome,
    ScheduleRun? Running,
    ImmutableDictionary<string, CommittedGene> Committed)
{
    public DateTimeOffset? NextRunAt => ScheduleCron.Next(Cron, Cursor);

    public ScheduleView View() => new(Name, Cron, SpecFileName, NextRunAt, LastRunAt, LastJobId, Running?.JobId, LastOutcome, Committed.Count);

    internal ScheduleState Handled(DateTimeOffset? dueAt) => dueAt is { } d && d > Cursor ? this with { Cursor = d } : this;
}

/// <summary>A schedule whose next occurrence is at or before now. <see cref="RunningJobId"/> non-null: a run is in progress, so this occurrence is skipped.</summary>
public sealed record DueRun(string Name, DateTimeOffset DueAt, string? RunningJobId);

/// <summary>What a command decided: events to persist, or an error (kind as in <see cref="ScheduleReply"/>).</summary>
public sealed record ScheduleDecision(IReadOnlyList<IScheduleEvent> Events, string? Error = null, string? ErrorKind = null)
{
    public static ScheduleDecision Reject(string kind, string error) => new([], error, kind);
}

/// <summary>
/// All schedules of the cluster, by name. Decide validates commands; <see cref="Due"/> says which schedules fell
/// due; <see cref="Changed"/> picks the genes a run must recompute; Apply folds the events.
/// </summary>
/// <remarks>
/// Missed-run policy: occurrences that fell due while nobody evaluated them (the cluster was down) collapse into one
/// run, started at the first evaluation (start-up), whose DueAt is the latest missed occurrence.
/// A due occurrence while a run is in progress is skipped (recorded, never queued): a run is never started twice.
/// </remarks>
public sealed record ScheduleBook(ImmutableSortedDictionary<string, ScheduleState> Schedules)
{
    public static ScheduleBook Empty { get; } = new(ImmutableSortedDictionary.Create<string, ScheduleState>(StringComparer.Ordinal));

    public ScheduleDecision Decide(AddSchedule c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Name) || c.Name.Any(ch => char.IsWhiteSpace(ch) || ch is '/' or '\\'))
            return ScheduleDecision.Reject(ScheduleReply.BadRequest, $"schedule name '{c.Name}' must be a non-empty word without spaces or slashes");
        if (Schedules.ContainsKey(c.Name))
            return ScheduleDecision.Reject(ScheduleReply.Conflict, $"schedule '{c.Name}' exists (to change it: remove, then add)");
        if (!ScheduleCron.TryParse(c.Cron, out _, out var error))
            return ScheduleDecision.Reject(ScheduleReply.BadRequest, error!);
        return new([new ScheduleAdded(c.Name, c.Cron.Trim(), c.SpecFileName, c.SpecText, now)]);
    }

    public ScheduleDecision Decide(RemoveSchedule c, DateTimeOffset now) => Schedules.ContainsKey(c.Name)
        ? new([new ScheduleRemoved(c.Name, now)])
        : ScheduleDecision.Reject(ScheduleReply.NotFound, $"no schedule '{c.Name}'");

    /// <summary>Whether a run of <paramref name="name"/> may start now: it exists and has no run in progress.</summary>
    public ScheduleDecision CanStart(string name) =>
        !Schedules.TryGetValue(name, out var s) ? ScheduleDecision.Reject(ScheduleReply.NotFound, $"no schedule '{name}'")
        : s.Running is { } r ? ScheduleDecision.Reject(ScheduleReply.Conflict, $"schedule '{name}' is already running job {r.JobId}")
        : new([]);

    /// <summary>Schedules with an occurrence in (cursor, now]: one entry each, at the latest such occurrence.</summary>
    public IReadOnlyList<DueRun> Due(DateTimeOffset now)
    {
        var due = new List<DueRun>();
        foreach (var s in Schedules.Values)
            if (ScheduleCron.LatestDue(s.Cron, s.Cursor, now) is { } at)
                due.Add(new DueRun(s.Name, at, s.Running?.JobId));
        return due;
    }

    /// <summary>
    /// The genes a run must recompute: those whose digest differs from the last committed one (or that never
    /// committed), or all with <paramref name="force"/>. Genes of the spec only; order kept.
    /// </summary>
    public IReadOnlyList<GeneDigest> Changed(string name, IReadOnlyList<GeneDigest> genes, bool force)
    {
        if (force || !Schedules.TryGetValue(name, out var s)) return genes;
        return genes.Where(g => !s.Committed.TryGetValue(g.GeneId, out var c) || c.Digest != g.Digest).ToList();
    }

    public ScheduleBook Apply(IScheduleEvent e)
    {
        if (e is ScheduleAdded a)
        {
            return Schedules.ContainsKey(a.Name) ? this : new(Schedules.Add(a.Name, new ScheduleState(
                a.Name, a.Cron, a.SpecFileName, a.SpecText, a.AddedAt, a.AddedAt, null, null, null, null,
                ImmutableDictionary.Create<string, CommittedGene>(StringComparer.Ordinal))));
        }
        if (!Schedules.TryGetValue(e.Name, out var s)) return this;
        var next = e switch
        {
            ScheduleRemoved => null,
            ScheduleOccurrenceSkipped k => s.Handled(k.DueAt),
            ScheduleRunStarted r => s.Handled(r.DueAt) with
            {
                LastRunAt = r.StartedAt,
                LastJobId = r.Submit.JobId,
                LastOutcome = $"running {r.Submit.Genes.Count} of {r.Genes.Count} gene(s)",
                Running = new ScheduleRun(r.Submit.JobId, r.StartedAt, r.OutputRoot, r.RunFolder, SubmittedDigests(r), r.Submit),
            },
            ScheduleRunUpToDate u => s.Handled(u.DueAt) with { LastRunAt = u.At, LastOutcome = $"up to date ({u.GenesTotal} gene(s))" },
            ScheduleRunFailed f => s.Handled(f.DueAt) with { LastRunAt = f.At, LastOutcome = "failed: " + f.Error },
            ScheduleRunFinished f when s.Running is { } run && run.JobId == f.JobId => s with
            {
                Running = null,
                LastOutcome = $"{f.Phase.Name()}: {f.Committed.Count} gene(s) recomputed, {f.Failed} failed",
                Committed = s.Committed.SetItems(f.Committed
                    .Where(run.Submitted.ContainsKey)
                    .Select(g => KeyValuePair.Create(g, new CommittedGene(run.Submitted[g].Chrom, run.Submitted[g].Digest, run.RunFolder)))),
            },
            _ => s,
        };
        return new(next is null ? Schedules.Remove(e.Name) : Schedules.SetItem(e.Name, next));
    }

    private static ImmutableDictionary<string, GeneDigest> SubmittedDigests(ScheduleRunStarted r)
    {
        var submitted = r.Submit.Genes.Select(g => g.GeneId).ToHashSet(StringComparer.Ordinal);
        return r.Genes.Where(g => submitted.Contains(g.GeneId)).ToImmutableDictionary(g => g.GeneId, StringComparer.Ordinal);
    }

    /// <summary>Snapshot form: each schedule's state as is.</summary>
    public ScheduleBookSnapshot ToSnapshot() => new(Schedules.Values.Select(s => new ScheduleSnapshotEntry(
        s.Name, s.Cron, s.SpecFileName, s.SpecText, s.AddedAt, s.Cursor, s.LastRunAt, s.LastJobId, s.LastOutcome,
        s.Running is { } r ? new ScheduleRunSnapshot(r.JobId, r.StartedAt, r.OutputRoot, r.RunFolder, r.Submitted.Values.ToList(), r.Submit) : null,
        s.Committed.Select(kv => new CommittedGeneEntry(kv.Key, kv.Value.Chrom, kv.Value.Digest, kv.Value.RunFolder)).OrderBy(c => c.GeneId, StringComparer.Ordinal).ToList())).ToList());

    public static ScheduleBook FromSnapshot(ScheduleBookSnapshot snapshot) => new(snapshot.Schedules.ToImmutableSortedDictionary(
        e => e.Name,
        e => new ScheduleState(e.Name, e.Cron, e.SpecFileName, e.SpecText, e.AddedAt, e.Cursor, e.LastRunAt, e.LastJobId, e.LastOutcome,
            e.Running is { } r ? new ScheduleRun(r.JobId, r.StartedAt, r.OutputRoot, r.RunFolder, r.Submitted.ToImmutableDictionary(g => g.GeneId, StringComparer.Ordinal), r.Submit) : null,
            e.Committed.ToImmutableDictionary(c => c.GeneId, c => new CommittedGene(c.Chrom, c.Digest, c.RunFolder), StringComparer.Ordinal)),
        StringComparer.Ordinal));
}

public sealed record ScheduleBookSnapshot(IReadOnlyList<ScheduleSnapshotEntry> Schedules) : IExPectoMessage;

public sealed record ScheduleSnapshotEntry(
    string Name,
    string Cron,
    string SpecFileName,
    string SpecText,
    DateTimeOffset AddedAt,
    DateTimeOffset Cursor,
    DateTimeOffset? LastRunAt,
    string? LastJobId,
    string? LastOutcome,
    ScheduleRunSnapshot? Running,
    IReadOnlyList<CommittedGeneEntry> Committed);

public sealed record ScheduleRunSnapshot(string JobId, DateTimeOffset StartedAt, string OutputRoot, string RunFolder, IReadOnlyList<GeneDigest> Submitted, SubmitJob Submit);

public sealed record CommittedGeneEntry(string GeneId, string Chrom, string Digest, string RunFolder);
