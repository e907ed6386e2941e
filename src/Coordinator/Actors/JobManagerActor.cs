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
    private readonly HashSet<string> _finalizing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _orphans = new(StringComparer.Ordinal); // gene key → holder not (yet) registered
    private readonly DateTime _startedAt = DateTime.UtcNow;
    private int _roundRobin;

    public JobManagerActor(IActorRef genes, CoordinatorOptions options, PersistenceOptions persistence, IJobFinalizer finalizer)
    {
        _genes = genes;
        _options = options;
        _persistence = persistence;
        _finalizer = finalizer;

        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is JobBookSnapshot s) _book = JobBook.FromSnapshot(s);
        });
        Recover<IJobEvent>(e => _book = _book.Apply(e));
        Recover<RecoveryCompleted>(_ => AfterRecovery());

        Command<SubmitJob>(OnSubmit);
        Command<GetJobStatus>(q => Sender.Tell(new JobStatusResponse(
            _book.InOrder.Where(j => q.JobId is null || j.JobId == q.JobId).Select(View).ToList())));
        Command<RegisterWorker>(OnRegister);
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
            Persist(_book.Decide(new FinishJob(f.JobId, f.Complete, f.ExtraFiles)),
                _ => _log.Info("job {0} finished: {1}", f.JobId, f.Complete ? "complete" : "partial"));
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
            TryDispatch();
        });
        // Each snapshot holds the whole book (≈ 360 bytes a gene): keep the newest and the one before it (a fallback),
        // not every one ever taken, or the store grows with the square of a job's size.
        Command<SaveSnapshotSuccess>(s =>
        {
            long previous = s.Metadata.SequenceNr - Math.Max(1, _persistence.SnapshotEvery);
            if (previous > 0)
                DeleteSnapshots(new SnapshotSelectionCriteria(previous - 1));
        });
        Command<SaveSnapshotFailure>(f => _log.Warning("job manager snapshot failed: {0}", f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("job manager: deleting old snapshots failed: {0}", f.Cause.Message));
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
        var events = _book.Decide(c);
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
        // What the worker holds counts against its window, e.g. after this manager restarted mid-job.
        foreach (var h in r.Holding)
        {
            string key = Key(h.JobId, h.GeneId);
            // A heartbeat sent before the worker saw its completion acknowledged still lists a settled gene.
            if (IsSettled(key) || (_owner.TryGetValue(key, out var owner) && owner != r.WorkerId)) continue;
            _owner[key] = r.WorkerId;
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

    private void OnTerminated(Terminated t)
    {
        var slot = _workers.Values.FirstOrDefault(w => w.Actor.Equals(t.ActorRef));
        if (slot is null) return;
        _workers.Remove(slot.Id);
        _log.Warning("worker {0} left; revoking {1} lease(s)", slot.Id, slot.Outstanding.Count);
        foreach (string key in slot.Outstanding)
        {
            _owner.Remove(key);
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
        if (!_book.Jobs.TryGetValue(jobId, out var job) || job.Settled.ContainsKey(geneId) || !job.ChromOf.ContainsKey(geneId))
            return;
        string key = Key(jobId, geneId);
        if (_owner.ContainsKey(key) || !_queued.Add(key)) return;
        _ready.AddLast((jobId, geneId));
    }

    private void Dequeue(string key) => _queued.Remove(key); // the queue entry is skipped lazily

    private void Release(string key)
    {
        if (_owner.Remove(key, out var workerId) && _workers.TryGetValue(workerId, out var slot))
            slot.Outstanding.Remove(key);
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
            if (!_book.Jobs.TryGetValue(jobId, out var job) || job.Settled.ContainsKey(geneId)) continue;
            _owner[key] = slot.Id;
            slot.Outstanding.Add(key);
            _genes.Tell(new LeaseGene(jobId, geneId, new GeneWorkItem(jobId, geneId, job.ChromOf[geneId], job.Spec), slot.Id, slot.Actor, _options.LeaseDuration));
        }
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
        if (!_book.Jobs.TryGetValue(jobId, out var job) || !job.AllSettled || job.Finished is not null || !_finalizing.Add(jobId))
            return;
        var finished = job.ToFinished();
        var finalizer = _finalizer;
        Task.Run(async () =>
        {
            AtomicFile.RemoveStaleTemps(finished.Spec.OutputDir);
            var extra = await finalizer.FinalizeAsync(finished, CancellationToken.None);
            JobManifest.Write(finished, extra);
            return new Finalized(jobId, finished.IsComplete, extra);
        }).PipeTo(Self, failure: e => new FinalizeFailed(jobId, e.Message));
    }

    private JobStatusView View(JobState job)
    {
        int leased = _owner.Keys.Count(k => k.StartsWith(job.JobId + "|", StringComparison.Ordinal));
        var failed = job.Settled.Values.Where(r => r.Outcome is null).OrderBy(r => r.GeneId, StringComparer.Ordinal).ToList();
        return new JobStatusView(job.JobId, job.Phase, job.Genes.Length, job.Settled.Count - failed.Count, failed.Count, leased, job.Spec.OutputDir, failed);
    }
}
