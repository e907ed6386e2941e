using ExPecto.Core.Output;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using ExPecto.Protocol.State;

namespace ExPecto.Coordinator.Actors;

/// <summary>
/// The job manager (cluster singleton on the coordinator role). Persists jobs and per-gene settlements
/// (<see cref="JobBook"/>), and dispatches: a queue of genes ready for a lease, and per worker a credit window of
/// at most Capacity outstanding genes. Workers pull by registering capacity; a gene's credit returns when it
/// settles, its lease ends, or its lease is declined. Dispatch state is in memory only: after a restart every
/// unsettled gene is queued again and the gene entities (the authority on leases) decline those still leased.
/// Operators pause (genes of the job are parked instead of leased; leases in flight run to their end), resume,
/// cancel (leases in flight are revoked, the job finishes as cancelled) and retry failed genes (the job reopens;
/// each gene entity is reset for the new round before its next lease).
/// </summary>
public sealed class JobManagerActor : ReceivePersistentActor, IWithTimers
{
    public const string PersistenceIdValue = "expecto-job-manager";

    private sealed record Tick;
    private sealed record Finalized(string JobId, bool Complete, IReadOnlyList<string> ExtraFiles);
    private sealed record FinalizeFailed(string JobId, string Error);

    private sealed class WorkerSlot(string id, IActorRef actor, int capacity)
    {
        public string Id { get; } = id;
        public IActorRef Actor { get; } = actor;
        public int Capacity { get; set; } = capacity;
        public WorkerStats? Stats { get; set; }
        public DateTimeOffset LastSeen { get; set; } = DateTimeOffset.UtcNow;
        public HashSet<string> Outstanding { get; } = new(StringComparer.Ordinal);
        public int Free => Capacity - Outstanding.Count;
    }

    private readonly IActorRef _genes;
    private readonly CoordinatorOptions _options;
    private readonly PersistenceOptions _persistence;
    private readonly IJobFinalizer _finalizer;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private JobBook _book = JobBook.Empty;
    private readonly LinkedList<(string JobId, string GeneId)> _ready = new();
    private readonly HashSet<string> _queued = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WorkerSlot> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _owner = new(StringComparer.Ordinal); // gene key → worker id
    private readonly Dictionary<string, DateTime> _quietSince = new(StringComparer.Ordinal); // gene key → last lease request or wake
    private readonly HashSet<string> _finalizing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _orphans = new(StringComparer.Ordinal); // gene key → holder not (yet) registered
    private readonly Dictionary<string, HashSet<string>> _parked = new(StringComparer.Ordinal); // paused job → its ready genes
    private readonly DateTime _startedAt = DateTime.UtcNow;
    private int _roundRobin;
    private long _snapshotSequenceNr; // of the newest snapshot saved or recovered: the older one kept after the next save

    public JobManagerActor(IActorRef genes, CoordinatorOptions options, PersistenceOptions persistence, IJobFinalizer finalizer)
    {
        _genes = genes;
        _options = options;
        _persistence = persistence;
        _finalizer = finalizer;

        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is not JobBookSnapshot s) return;
            _book = JobBook.FromSnapshot(s);
            _snapshotSequenceNr = o.Metadata.SequenceNr;
        });
        Recover<IJobEvent>(e => _book = _book.Apply(e));
        Recover<RecoveryCompleted>(_ => AfterRecovery());

        Command<SubmitJob>(OnSubmit);
        Command<GetJobStatus>(q => Sender.Tell(new JobStatusResponse(
            _book.InOrder.Where(j => q.JobId is null || j.JobId == q.JobId).Select(View).ToList())));
        Command<RegisterWorker>(OnRegister);
        Command<ControlJob>(OnControl);
        Command<GetWorkers>(_ => Sender.Tell(new WorkerListResponse(_workers.Values.Select(WorkerView).ToList())));
        Command<LeaseAccepted>(OnLeaseAccepted);
        Command<LeaseDeclined>(d =>
        {
            Release(Key(d.JobId, d.GeneId));
            if (d.Holder is { } holder && !_workers.ContainsKey(holder))
                _orphans[Key(d.JobId, d.GeneId)] = holder;
            TryDispatch();
        });
        Command<GeneReady>(r =>
        {
            Release(Key(r.JobId, r.GeneId));
            Enqueue(r.JobId, r.GeneId);
            TryDispatch();
        });
        Command<GeneSettled>(OnSettled);
        Command<Terminated>(OnTerminated);
        Command<Finalized>(f =>
        {
            _finalizing.Remove(f.JobId);
            Persist(_book.Decide(new FinishJob(f.JobId, f.Complete, f.ExtraFiles) { AtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }),
                _ => _log.Info("job {0} finished: {1}", f.JobId, _book.Jobs[f.JobId].Phase));
        });
        Command<FinalizeFailed>(f =>
        {
            _finalizing.Remove(f.JobId);
            _log.Error("job {0}: finalization failed, retrying: {1}", f.JobId, f.Error);
        });
        Command<Tick>(_ =>
        {
            foreach (var job in _book.InOrder) MaybeFinalize(job.JobId);
            // Credits must never leak: whatever settled is no longer outstanding anywhere.
            foreach (string key in _owner.Keys.Where(IsSettled).ToList()) Release(key);
            RevokeOrphans();
            WakeQuietGenes();
            TryDispatch();
            CoordinatorMetrics.SetInFlight(_owner.Count);
        });
        // Each snapshot holds the whole book: keep the newest and the one before it (a fallback), not every one ever
        // taken, or the store grows with the square of a job's size; and drop the events up to the older kept one,
        // which both kept snapshots contain, so the journal holds only what recovery from either of them replays.
        Command<SaveSnapshotSuccess>(s =>
        {
            long older = _snapshotSequenceNr;
            _snapshotSequenceNr = Math.Max(_snapshotSequenceNr, s.Metadata.SequenceNr);
            if (older <= 0 || older >= s.Metadata.SequenceNr) return;
            DeleteSnapshots(new SnapshotSelectionCriteria(older - 1));
            DeleteMessages(older);
        });
        Command<SaveSnapshotFailure>(f => _log.Warning("job manager snapshot failed: {0}", f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("job manager: deleting old snapshots failed: {0}", f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("job manager: deleting events up to {0} failed: {1}", f.ToSequenceNr, f.Cause.Message));
    }

    public static Props Props(IActorRef genes, CoordinatorOptions options, PersistenceOptions persistence, IJobFinalizer finalizer) =>
        Akka.Actor.Props.Create(() => new JobManagerActor(genes, options, persistence, finalizer));

    public override string PersistenceId => PersistenceIdValue;

    public ITimerScheduler Timers { get; set; } = null!;

    private static string Key(string jobId, string geneId) => jobId + "|" + geneId;

    private bool IsSettled(string key)
    {
        int bar = key.IndexOf('|');
        return !_book.Jobs.TryGetValue(key[..bar], out var job) || job.Settled.ContainsKey(key[(bar + 1)..]);
    }

    private void Persist(IReadOnlyList<IJobEvent> events, Action<IJobEvent> after)
    {
        PersistAll(events, persisted =>
        {
            _book = _book.Apply(persisted);
            if (LastSequenceNr % Math.Max(1, _persistence.SnapshotEvery) == 0)
                SaveSnapshot(_book.ToSnapshot());
            after(persisted);
        });
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        CoordinatorMetrics.JournalWriteFailed();
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        CoordinatorMetrics.JournalWriteFailed();
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    // The singleton moved or stopped: this node leases nothing any more.
    protected override void PostStop()
    {
        CoordinatorMetrics.SetInFlight(0);
        base.PostStop();
    }

    private void AfterRecovery()
    {
        foreach (var job in _book.InOrder.Where(j => j.Finished is null))
        {
            foreach (var g in job.Unsettled) Enqueue(job.JobId, g.GeneId);
            MaybeFinalize(job.JobId);
        }
        _log.Info("job manager up: {0} job(s), {1} gene(s) queued", _book.Jobs.Count, _ready.Count);
        Timers.StartPeriodicTimer("tick", new Tick(), _options.DispatchTick);
    }

    private void OnSubmit(SubmitJob c)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var events = _book.Decide(c).Select(e => e is JobSubmitted s ? s with { AtMs = now } : e).ToList();
        var sender = Sender;
        if (events.Count == 0)
        {
            sender.Tell(new SubmitJobResponse(c.JobId, AlreadyKnown: true, View(_book.Jobs[c.JobId])));
            return;
        }
        Persist(events, _ =>
        {
            _log.Info("job {0} submitted: {1} gene(s) → {2}", c.JobId, c.Genes.Count, c.Spec.OutputDir);
            foreach (var g in c.Genes) Enqueue(c.JobId, g.GeneId);
            sender.Tell(new SubmitJobResponse(c.JobId, AlreadyKnown: false, View(_book.Jobs[c.JobId])));
            TryDispatch();
        });
    }

    private void OnRegister(RegisterWorker r)
    {
        if (!_workers.TryGetValue(r.WorkerId, out var slot))
        {
            slot = new WorkerSlot(r.WorkerId, r.Worker, r.Capacity);
            _workers[r.WorkerId] = slot;
            Context.Watch(r.Worker);
            _log.Info("worker {0} joined with {1} slot(s), holding {2}", r.WorkerId, r.Capacity, r.Holding.Count);
        }
        slot.Capacity = r.Capacity;
        slot.Stats = r.Stats ?? slot.Stats;
        slot.LastSeen = DateTimeOffset.UtcNow;
        // What the worker holds counts against its window, e.g. after this manager restarted mid-job.
        foreach (var h in r.Holding)
        {
            string key = Key(h.JobId, h.GeneId);
            // A heartbeat sent before the worker saw its completion acknowledged still lists a settled gene.
            if (IsSettled(key) || (_owner.TryGetValue(key, out var owner) && owner != r.WorkerId)
                || _book.Jobs[h.JobId].Cancelled) continue;
            _owner[key] = r.WorkerId;
            _quietSince.TryAdd(key, DateTime.UtcNow);
            slot.Outstanding.Add(key);
            Dequeue(key);
        }
        TryDispatch();
    }

    private void OnLeaseAccepted(LeaseAccepted a)
    {
        if (!_workers.ContainsKey(a.WorkerId))
            _genes.Tell(new RevokeLease(a.JobId, a.GeneId, a.WorkerId, $"worker {a.WorkerId} left"));
    }

    private void OnSettled(GeneSettled s)
    {
        var sender = Sender;
        string key = Key(s.JobId, s.Result.GeneId);
        var events = _book.Decide(s);
        void After()
        {
            sender.Tell(new SettlementRecorded(s.JobId, s.Result.GeneId));
            Release(key);
            Dequeue(key);
            MaybeFinalize(s.JobId);
            TryDispatch();
        }
        if (events.Count == 0)
            After();
        else
            Persist(events, _ => After());
    }

    private void OnControl(ControlJob c)
    {
        var sender = Sender;
        if (_book.Refusal(c) is { } refusal)
        {
            bool known = _book.Jobs.TryGetValue(c.JobId, out var knownJob);
            sender.Tell(new ControlJobResponse(c.JobId, refusal, !known, 0, known ? View(knownJob!) : null));
            return;
        }
        Persist(_book.Decide(c), e =>
        {
            int requeued = 0;
            switch (e)
            {
                case JobPaused:
                    // Queued genes are parked as dispatch reaches them; leases in flight run to their end.
                    _log.Info("job {0} paused", c.JobId);
                    break;
                case JobResumed:
                    _log.Info("job {0} resumed", c.JobId);
                    if (_parked.Remove(c.JobId, out var parked))
                        foreach (string gene in parked) Enqueue(c.JobId, gene);
                    break;
                case JobCancelled:
                    _parked.Remove(c.JobId);
                    var inFlight = _owner.Where(kv => kv.Key.StartsWith(c.JobId + "|", StringComparison.Ordinal)).ToList();
                    _log.Info("job {0} cancelled; revoking {1} lease(s)", c.JobId, inFlight.Count);
                    foreach (var (key, workerId) in inFlight)
                    {
                        Release(key);
                        _genes.Tell(new RevokeLease(c.JobId, key[(key.IndexOf('|') + 1)..], workerId, $"job {c.JobId} cancelled"));
                    }
                    MaybeFinalize(c.JobId);
                    break;
                case JobReopened r:
                    requeued = r.GeneIds.Count;
                    _log.Info("job {0}: retrying {1} failed gene(s), round {2}", c.JobId, requeued, r.Round);
                    foreach (string gene in r.GeneIds) Enqueue(c.JobId, gene);
                    break;
            }
            sender.Tell(new ControlJobResponse(c.JobId, null, false, requeued, View(_book.Jobs[c.JobId])));
            TryDispatch();
        });
    }

    private void OnTerminated(Terminated t)
    {
        var slot = _workers.Values.FirstOrDefault(w => w.Actor.Equals(t.ActorRef));
        if (slot is null) return;
        _workers.Remove(slot.Id);
        _log.Warning("worker {0} left; revoking {1} lease(s)", slot.Id, slot.Outstanding.Count);
        foreach (string key in slot.Outstanding)
        {
            _owner.Remove(key);
            _quietSince.Remove(key);
            int bar = key.IndexOf('|');
            _genes.Tell(new RevokeLease(key[..bar], key[(bar + 1)..], slot.Id, $"worker {slot.Id} left the cluster"));
        }
        TryDispatch();
    }

    /// <summary>Leases whose holder never registered with this incarnation: the holder is gone, end them now.</summary>
    private void RevokeOrphans()
    {
        if (_orphans.Count == 0 || DateTime.UtcNow - _startedAt < _options.WorkerReregistrationGrace) return;
        foreach (var (key, holder) in _orphans.ToList())
        {
            _orphans.Remove(key);
            if (_workers.ContainsKey(holder)) continue;
            int bar = key.IndexOf('|');
            _log.Info("revoking the lease of {0} held by {1}, which never registered", key, holder);
            _genes.Tell(new RevokeLease(key[..bar], key[(bar + 1)..], holder, $"holder {holder} did not come back"));
        }
    }

    private void Enqueue(string jobId, string geneId)
    {
        if (!_book.Jobs.TryGetValue(jobId, out var job) || job.Settled.ContainsKey(geneId) || !job.ChromOf.ContainsKey(geneId)
            || job.Cancelled)
            return;
        string key = Key(jobId, geneId);
        if (_owner.ContainsKey(key) || !_queued.Add(key)) return;
        _ready.AddLast((jobId, geneId));
    }

    private void Dequeue(string key) => _queued.Remove(key); // the queue entry is skipped lazily

    private void Release(string key)
    {
        _quietSince.Remove(key);
        if (_owner.Remove(key, out var workerId) && _workers.TryGetValue(workerId, out var slot))
            slot.Outstanding.Remove(key);
    }

    /// <summary>
    /// Wakes the entity of each gene counted as outstanding, once every third of a lease. Normally a no-op;
    /// after a journal outage it finds the lease requests lost with entities that could not persist or recover (the
    /// credit would otherwise stay taken) and restarts entities whose lease timer went with them.
    /// </summary>
    private void WakeQuietGenes()
    {
        var now = DateTime.UtcNow;
        var quiet = _options.LeaseDuration / 3;
        foreach (var (key, since) in _quietSince.ToList())
        {
            if (now - since < quiet) continue;
            _quietSince[key] = now;
            int bar = key.IndexOf('|');
            _genes.Tell(new WakeGene(key[..bar], key[(bar + 1)..]));
        }
    }

    private void TryDispatch()
    {
        while (_ready.First is not null)
        {
            var slot = NextFreeWorker();
            if (slot is null) return;
            var (jobId, geneId) = _ready.First.Value;
            _ready.RemoveFirst();
            string key = Key(jobId, geneId);
            if (!_queued.Remove(key)) continue;
            if (!_book.Jobs.TryGetValue(jobId, out var job) || job.Settled.ContainsKey(geneId) || job.Cancelled) continue;
            if (job.Paused)
            {
                Park(jobId, geneId);
                continue;
            }
            _owner[key] = slot.Id;
            _quietSince[key] = DateTime.UtcNow;
            slot.Outstanding.Add(key);
            // A retried job's genes failed in an earlier round: reset first (idempotent; sharding keeps the order).
            if (job.Round > 0)
                _genes.Tell(new ResetGene(jobId, geneId, job.Round));
            _genes.Tell(new LeaseGene(jobId, geneId, new GeneWorkItem(jobId, geneId, job.ChromOf[geneId], job.Spec), slot.Id, slot.Actor, _options.LeaseDuration));
        }
    }

    private void Park(string jobId, string geneId)
    {
        if (!_parked.TryGetValue(jobId, out var genes))
            _parked[jobId] = genes = new HashSet<string>(StringComparer.Ordinal);
        genes.Add(geneId);
    }

    private WorkerSlot? NextFreeWorker()
    {
        if (_workers.Count == 0) return null;
        var slots = _workers.Values.ToList();
        for (int i = 0; i < slots.Count; i++)
        {
            var slot = slots[(_roundRobin + i) % slots.Count];
            if (slot.Free > 0)
            {
                _roundRobin = (_roundRobin + i + 1) % slots.Count;
                return slot;
            }
        }
        return null;
    }

    private void MaybeFinalize(string jobId)
    {
        if (!_book.Jobs.TryGetValue(jobId, out var job) || !job.Finishable || !_finalizing.Add(jobId))
            return;
        var finished = job.ToFinished();
        var finalizer = _finalizer;
        Task.Run(async () =>
        {
            AtomicFile.DeleteStaleTempFiles(finished.Spec.OutputDir, DateTime.MaxValue);
            var extra = await finalizer.FinalizeAsync(finished, CancellationToken.None);
            JobManifest.Write(finished, extra);
            return new Finalized(jobId, finished.IsComplete, extra);
        }).PipeTo(Self, failure: e => new FinalizeFailed(jobId, e.Message));
    }

    private JobStatusView View(JobState job)
    {
        int leased = _owner.Keys.Count(k => k.StartsWith(job.JobId + "|", StringComparison.Ordinal));
        var failed = job.Settled.Values.Where(r => r.Outcome is null).OrderBy(r => r.GeneId, StringComparer.Ordinal).ToList();
        return new JobStatusView(job.JobId, job.Phase, job.Genes.Length, job.Settled.Count - failed.Count, failed.Count, leased, job.Spec.OutputDir, failed)
        {
            SubmittedAtMs = job.SubmittedAtMs,
            FinishedAtMs = job.Finished?.AtMs ?? 0,
            Mutations = job.Settled.Values.Sum(r => r.Outcome?.Rows ?? 0),
        };
    }

    private WorkerView WorkerView(WorkerSlot slot)
    {
        // Remote workers' refs carry their node's address; a worker in this process (embedded) is on this node.
        var address = slot.Actor.Path.Address.HasGlobalScope ? slot.Actor.Path.Address : Akka.Cluster.Cluster.Get(Context.System).SelfAddress;
        return new WorkerView(slot.Id, address.ToString(), slot.Capacity, slot.Outstanding.Count, slot.Stats, slot.LastSeen.ToUnixTimeMilliseconds());
    }
}
