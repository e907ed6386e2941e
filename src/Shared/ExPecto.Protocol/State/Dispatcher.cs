using System.Collections.Immutable;
using ExPecto.Protocol.Messages;

namespace ExPecto.Protocol.State;

// What the job manager tells its dispatcher besides the job book's own events and the wire messages it passes on
// (RegisterWorker, LeaseDeclined, GeneReady, GeneSettled). Actor-local, never persisted.

/// <summary>After recovery: every unsettled gene of every unfinished job goes back to the queue.</summary>
public sealed record DispatchRecovered : IDispatchInput;

/// <summary>The watched worker's actor terminated: its leases are revoked and its credit is gone.</summary>
public sealed record DispatchWorkerGone(string WorkerId) : IDispatchInput;

/// <summary>The periodic check: return leaked credits, revoke orphaned leases, wake quiet genes, dispatch.</summary>
public sealed record DispatchTick : IDispatchInput;

/// <summary>Marker of what <see cref="DispatchState.Decide"/> takes.</summary>
public interface IDispatchInput;

/// <summary>A decision of the dispatcher. The ones that ask for a message to be sent say so in their doc comment.</summary>
public interface IDispatchEvent;

/// <summary>The gene joins the back of the ready queue.</summary>
public sealed record GeneQueued(string JobId, string GeneId) : IDispatchEvent;

/// <summary>
/// The queue's head is stale (settled, leased, cancelled, or no longer queued): dropped. A gene unqueued and queued
/// again has two entries: the first one reached is taken, the later one is then stale.
/// </summary>
public sealed record QueueHeadSkipped(string JobId, string GeneId) : IDispatchEvent;

/// <summary>The queue's head belongs to a paused job: kept aside until the job resumes.</summary>
public sealed record GeneParked(string JobId, string GeneId) : IDispatchEvent;

/// <summary>The job resumed (its parked genes are queued again, each by a <see cref="GeneQueued"/>) or was cancelled.</summary>
public sealed record ParkedReleased(string JobId) : IDispatchEvent;

/// <summary>Send: ResetGene (when <paramref name="Round"/> &gt; 0) then LeaseGene to the gene, for this worker. Takes the head of the queue and a credit.</summary>
public sealed record LeaseRequested(string JobId, string GeneId, string WorkerId, int Round, long AtMs) : IDispatchEvent;

/// <summary>A worker's heartbeat lists a gene it holds (e.g. after a job manager restart): it counts against its credit.</summary>
public sealed record LeaseAdopted(string JobId, string GeneId, string WorkerId, long AtMs) : IDispatchEvent;

/// <summary>The gene is no longer outstanding (settled, declined, pending again): its worker's credit returns.</summary>
public sealed record CreditReturned(string JobId, string GeneId) : IDispatchEvent;

/// <summary>A queued gene settled or was adopted: its queue entry is stale from now on.</summary>
public sealed record GeneUnqueued(string JobId, string GeneId) : IDispatchEvent;

/// <summary>Send: RevokeLease to the gene. The credit (if the worker is known) returns with it.</summary>
public sealed record LeaseRevoked(string JobId, string GeneId, string WorkerId, string Reason) : IDispatchEvent;

/// <summary>A worker registered (or re-announced) with this many slots.</summary>
public sealed record WorkerCredited(string WorkerId, int Capacity) : IDispatchEvent;

/// <summary>The worker left: its entry goes; its leases are revoked by the <see cref="LeaseRevoked"/> that precede this.</summary>
public sealed record WorkerRemoved(string WorkerId) : IDispatchEvent;

/// <summary>A lease is held by a worker this incarnation has not seen; revoked after the re-registration grace.</summary>
public sealed record OrphanNoted(string JobId, string GeneId, string Holder) : IDispatchEvent;

/// <summary>An orphan's holder came back, or its lease was revoked.</summary>
public sealed record OrphanCleared(string JobId, string GeneId) : IDispatchEvent;

/// <summary>Send: WakeGene to the gene. Its lease request has been quiet for a third of a lease.</summary>
public sealed record GeneWoken(string JobId, string GeneId, long AtMs) : IDispatchEvent;

/// <summary>Knobs of the dispatcher (from the coordinator options).</summary>
public sealed record DispatchSettings(TimeSpan LeaseDuration, TimeSpan WorkerReregistrationGrace);

/// <summary>One worker's credit window: at most Capacity outstanding genes.</summary>
public sealed record WorkerCredit(int Capacity, ImmutableHashSet<GeneKey> Outstanding)
{
    public int Free => Capacity - Outstanding.Count;
}

/// <summary>
/// The job manager's dispatch state, pure and immutable, not persisted: a queue of genes ready for a lease (entries
/// are dropped lazily when stale), per worker a credit window, the owner of each outstanding gene, leases whose
/// holder has not registered (orphans), the genes of paused jobs (parked), and when each outstanding gene was last
/// heard of (the wake timer as data). Decide turns an input — a persisted job event, a wire message the actor passes
/// on, or a tick — into events, given the job book and the time; Apply folds one event. The actor persists nothing of
/// this: after a restart every unsettled gene is queued again and the gene entities (the lease authority) decline
/// what is still leased. Some events ask the actor to send a message (see each event).
/// </summary>
public sealed record DispatchState(
    DispatchSettings Settings,
    long StartedAtMs,
    ImmutableQueue<GeneKey> Ready,
    ImmutableHashSet<GeneKey> Queued,
    ImmutableDictionary<string, WorkerCredit> Workers,
    ImmutableList<string> WorkerOrder,
    int NextWorker,
    ImmutableDictionary<GeneKey, string> Owner,
    ImmutableDictionary<GeneKey, long> QuietSinceMs,
    ImmutableDictionary<GeneKey, string> Orphans,
    ImmutableDictionary<string, ImmutableHashSet<string>> Parked)
{
    public static DispatchState Start(DispatchSettings settings, long nowMs) => new(
        settings, nowMs, ImmutableQueue<GeneKey>.Empty, [], ImmutableDictionary.Create<string, WorkerCredit>(StringComparer.Ordinal), [], 0,
        ImmutableDictionary<GeneKey, string>.Empty, ImmutableDictionary<GeneKey, long>.Empty, ImmutableDictionary<GeneKey, string>.Empty,
        ImmutableDictionary.Create<string, ImmutableHashSet<string>>(StringComparer.Ordinal));

    /// <summary>Genes of the job leased now (for its status).</summary>
    public int LeasedOf(string jobId) => Owner.Keys.Count(k => k.JobId == jobId);

    /// <summary>Genes outstanding at the worker (0 when unknown).</summary>
    public int OutstandingAt(string workerId) => Workers.TryGetValue(workerId, out var w) ? w.Outstanding.Count : 0;

    /// <summary>Genes waiting in the queue (stale entries not counted).</summary>
    public int QueuedCount => Queued.Count;

    public IReadOnlyList<IDispatchEvent> Decide(IDispatchInput input, JobBook book, long nowMs) => Decide((object)input, book, nowMs);

    /// <inheritdoc cref="Decide(object, JobBook, long)"/>
    public IReadOnlyList<IDispatchEvent> Decide(object input, JobBook book, long nowMs) => Step(input, book, nowMs).Events;

    /// <summary>
    /// Events for <paramref name="input"/>: an <see cref="IDispatchInput"/>, a job event just persisted
    /// (<see cref="JobSubmitted"/>, <see cref="JobResumed"/>, <see cref="JobCancelled"/>, <see cref="JobReopened"/>), or
    /// a wire message (<see cref="RegisterWorker"/>, <see cref="LeaseAccepted"/>, <see cref="LeaseDeclined"/>, <see cref="GeneReady"/>,
    /// <see cref="GeneSettled"/> once recorded). Ends with whatever leases the free credits now allow.
    /// </summary>
    /// <returns>The events and the state they lead to (what folding them with <see cref="Apply"/> gives).</returns>
    public (DispatchState State, IReadOnlyList<IDispatchEvent> Events) Step(object input, JobBook book, long nowMs)
    {
        var d = new Decision(this, book);
        switch (input)
        {
            case DispatchRecovered:
                foreach (var job in book.InOrder.Where(j => j.Finished is null))
                    foreach (var g in job.Unsettled) d.Enqueue(job.JobId, g.GeneId);
                break;
            case JobSubmitted s:
                foreach (var g in s.Genes) d.Enqueue(s.JobId, g.GeneId);
                break;
            case JobReopened r:
                foreach (string gene in r.GeneIds) d.Enqueue(r.JobId, gene);
                break;
            case JobResumed r when Parked.TryGetValue(r.JobId, out var parked):
                d.Add(new ParkedReleased(r.JobId));
                foreach (string gene in parked.OrderBy(g => g, StringComparer.Ordinal)) d.Enqueue(r.JobId, gene);
                break;
            case JobCancelled c:
                if (Parked.ContainsKey(c.JobId)) d.Add(new ParkedReleased(c.JobId));
                foreach (var (key, worker) in Owner.Where(kv => kv.Key.JobId == c.JobId).OrderBy(kv => kv.Key.GeneId, StringComparer.Ordinal))
                    d.Add(new LeaseRevoked(key.JobId, key.GeneId, worker, $"job {c.JobId} cancelled"));
                break;
            case RegisterWorker r:
                d.Register(r, nowMs);
                break;
            case DispatchWorkerGone w when Workers.TryGetValue(w.WorkerId, out var gone):
                foreach (var key in gone.Outstanding.OrderBy(k => k.JobId, StringComparer.Ordinal).ThenBy(k => k.GeneId, StringComparer.Ordinal))
                    d.Add(new LeaseRevoked(key.JobId, key.GeneId, w.WorkerId, $"worker {w.WorkerId} left the cluster"));
                d.Add(new WorkerRemoved(w.WorkerId));
                break;
            case LeaseAccepted a when !Workers.ContainsKey(a.WorkerId):
                d.Add(new LeaseRevoked(a.JobId, a.GeneId, a.WorkerId, $"worker {a.WorkerId} left"));
                break;
            case LeaseDeclined l:
                d.Release(l.JobId, l.GeneId);
                if (l.Holder is { } holder && !d.State.Workers.ContainsKey(holder))
                    d.Add(new OrphanNoted(l.JobId, l.GeneId, holder));
                break;
            case GeneReady r:
                d.Release(r.JobId, r.GeneId);
                d.Enqueue(r.JobId, r.GeneId);
                break;
            case GeneSettled s:
                d.Release(s.JobId, s.Result.GeneId);
                if (Queued.Contains((s.JobId, s.Result.GeneId))) d.Add(new GeneUnqueued(s.JobId, s.Result.GeneId));
                break;
            case DispatchTick:
                d.Tick(nowMs);
                break;
        }
        d.Dispatch(nowMs);
        return (d.State, d.Events);
    }

    public DispatchState Apply(IDispatchEvent e)
    {
        switch (e)
        {
            case GeneQueued q:
                return this with { Ready = Ready.Enqueue((q.JobId, q.GeneId)), Queued = Queued.Add((q.JobId, q.GeneId)) };
            case QueueHeadSkipped:
                return Pop();
            case GeneParked p:
                {
                    var s = Pop();
                    var genes = Parked.TryGetValue(p.JobId, out var set) ? set : ImmutableHashSet.Create<string>(StringComparer.Ordinal);
                    return s with { Parked = s.Parked.SetItem(p.JobId, genes.Add(p.GeneId)) };
                }
            case ParkedReleased r:
                return this with { Parked = Parked.Remove(r.JobId) };
            case LeaseRequested l:
                {
                    var s = Pop();
                    int index = s.WorkerOrder.IndexOf(l.WorkerId);
                    return s.Own((l.JobId, l.GeneId), l.WorkerId, l.AtMs) with { NextWorker = (index + 1) % Math.Max(1, s.WorkerOrder.Count) };
                }
            case LeaseAdopted a:
                return Own((a.JobId, a.GeneId), a.WorkerId, a.AtMs, keepQuiet: true) with { Queued = Queued.Remove((a.JobId, a.GeneId)) };
            case CreditReturned c:
                return Disown((c.JobId, c.GeneId));
            case GeneUnqueued u:
                return this with { Queued = Queued.Remove((u.JobId, u.GeneId)) };
            case LeaseRevoked r:
                // Only the revoked worker's credit: an orphan's gene may be owned by someone else by now.
                return Owner.TryGetValue((r.JobId, r.GeneId), out var holder) && holder == r.WorkerId ? Disown((r.JobId, r.GeneId)) : this;
            case WorkerCredited w:
                return Workers.TryGetValue(w.WorkerId, out var known)
                    ? this with { Workers = Workers.SetItem(w.WorkerId, known with { Capacity = w.Capacity }) }
                    : this with { Workers = Workers.Add(w.WorkerId, new WorkerCredit(w.Capacity, [])), WorkerOrder = WorkerOrder.Add(w.WorkerId) };
            case WorkerRemoved w:
                {
                    var order = WorkerOrder.Remove(w.WorkerId);
                    return this with { Workers = Workers.Remove(w.WorkerId), WorkerOrder = order, NextWorker = order.Count == 0 ? 0 : NextWorker % order.Count };
                }
            case OrphanNoted o:
                return this with { Orphans = Orphans.SetItem((o.JobId, o.GeneId), o.Holder) };
            case OrphanCleared o:
                return this with { Orphans = Orphans.Remove((o.JobId, o.GeneId)) };
            case GeneWoken w:
                return this with { QuietSinceMs = QuietSinceMs.SetItem((w.JobId, w.GeneId), w.AtMs) };
            default:
                return this;
        }
    }

    private DispatchState Pop() => Ready.IsEmpty ? this : this with { Ready = Ready.Dequeue(out var key), Queued = Queued.Remove(key) };

    private DispatchState Own(GeneKey key, string workerId, long atMs, bool keepQuiet = false)
    {
        var s = Disown(key);
        var workers = s.Workers.TryGetValue(workerId, out var w) ? s.Workers.SetItem(workerId, w with { Outstanding = w.Outstanding.Add(key) }) : s.Workers;
        long since = keepQuiet && QuietSinceMs.TryGetValue(key, out long t) ? t : atMs;
        return s with { Owner = s.Owner.SetItem(key, workerId), QuietSinceMs = s.QuietSinceMs.SetItem(key, since), Workers = workers };
    }

    private DispatchState Disown(GeneKey key)
    {
        if (!Owner.TryGetValue(key, out var workerId)) return this with { QuietSinceMs = QuietSinceMs.Remove(key) };
        var workers = Workers.TryGetValue(workerId, out var w) ? Workers.SetItem(workerId, w with { Outstanding = w.Outstanding.Remove(key) }) : Workers;
        return this with { Owner = Owner.Remove(key), QuietSinceMs = QuietSinceMs.Remove(key), Workers = workers };
    }

    private static bool IsSettled(JobBook book, GeneKey key) =>
        !book.Jobs.TryGetValue(key.JobId, out var job) || !job.IsOpen(key.GeneId);

    /// <summary>Events so far and the state they lead to: each decision sees the ones before it.</summary>
    private sealed class Decision(DispatchState state, JobBook book)
    {
        public DispatchState State { get; private set; } = state;

        public List<IDispatchEvent> Events { get; } = [];

        public void Add(IDispatchEvent e)
        {
            Events.Add(e);
            State = State.Apply(e);
        }

        public void Enqueue(string jobId, string geneId)
        {
            if (!book.Jobs.TryGetValue(jobId, out var job) || !job.IsOpen(geneId) || job.Cancelled)
                return;
            var key = (jobId, geneId);
            if (State.Owner.ContainsKey(key) || State.Queued.Contains(key)) return;
            Add(new GeneQueued(jobId, geneId));
        }

        public void Release(string jobId, string geneId)
        {
            if (State.Owner.ContainsKey((jobId, geneId)) || State.QuietSinceMs.ContainsKey((jobId, geneId)))
                Add(new CreditReturned(jobId, geneId));
        }

        public void Register(RegisterWorker r, long nowMs)
        {
            if (!State.Workers.TryGetValue(r.WorkerId, out var known) || known.Capacity != r.Capacity)
                Add(new WorkerCredited(r.WorkerId, r.Capacity));
            // What the worker holds counts against its window, e.g. after this manager restarted mid-job.
            foreach (var h in r.Holding)
            {
                var key = (h.JobId, h.GeneId);
                // A heartbeat sent before the worker saw its completion acknowledged still lists a settled gene.
                if (IsSettled(book, key) || book.Jobs[h.JobId].Cancelled) continue;
                if (State.Owner.TryGetValue(key, out var owner)) continue; // ours already, or another worker's
                if (State.Orphans.ContainsKey(key)) Add(new OrphanCleared(h.JobId, h.GeneId));
                Add(new LeaseAdopted(h.JobId, h.GeneId, r.WorkerId, nowMs));
            }
        }

        public void Tick(long nowMs)
        {
            // Credits must never leak: whatever settled is no longer outstanding anywhere.
            foreach (var key in State.Owner.Keys.Where(k => IsSettled(book, k)).ToList())
                Add(new CreditReturned(key.JobId, key.GeneId));
            // Leases whose holder never registered with this incarnation: the holder is gone, end them now.
            if (State.Orphans.Count > 0 && nowMs - State.StartedAtMs >= (long)State.Settings.WorkerReregistrationGrace.TotalMilliseconds)
                foreach (var (key, holder) in State.Orphans.ToList())
                {
                    Add(new OrphanCleared(key.JobId, key.GeneId));
                    if (!State.Workers.ContainsKey(holder))
                        Add(new LeaseRevoked(key.JobId, key.GeneId, holder, $"holder {holder} did not come back"));
                }
            // Wake the entity of each outstanding gene once every third of a lease: normally a no-op; after a journal
            // outage it finds lease requests lost with entities that could not persist or recover.
            long quiet = (long)(State.Settings.LeaseDuration.TotalMilliseconds / 3);
            foreach (var (key, since) in State.QuietSinceMs.ToList())
                if (nowMs - since >= quiet)
                    Add(new GeneWoken(key.JobId, key.GeneId, nowMs));
        }

        public void Dispatch(long nowMs)
        {
            while (!State.Ready.IsEmpty)
            {
                string? worker = NextFreeWorker();
                if (worker is null) return;
                var (jobId, geneId) = State.Ready.Peek();
                if (!State.Queued.Contains((jobId, geneId)) || !book.Jobs.TryGetValue(jobId, out var job) || !job.IsOpen(geneId)
                    || job.Cancelled || State.Owner.ContainsKey((jobId, geneId)))
                    Add(new QueueHeadSkipped(jobId, geneId));
                else if (job.Paused)
                    Add(new GeneParked(jobId, geneId));
                else
                    Add(new LeaseRequested(jobId, geneId, worker, job.Round, nowMs));
            }
        }

        private string? NextFreeWorker()
        {
            var order = State.WorkerOrder;
            for (int i = 0; i < order.Count; i++)
            {
                string id = order[(State.NextWorker + i) % order.Count];
                if (State.Workers[id].Free > 0) return id;
            }
            return null;
        }
    }
}
