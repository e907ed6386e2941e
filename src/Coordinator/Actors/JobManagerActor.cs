using ExPecto.Protocol;
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
/// (<see cref="JobBook"/>) and leaves dispatch — the queue of genes ready for a lease, each worker's credit window,
/// owners, orphans, parked genes, wake times — to the pure <see cref="DispatchState"/>: this actor feeds it what it
/// hears (persisted job events, worker and gene messages, ticks), sends the messages its decisions ask for, and
/// replies. Dispatch state is in memory only: after a restart every unsettled gene is queued again and the gene
/// entities (the authority on leases) decline those still leased. Operators pause (genes of the job are parked
/// instead of leased; leases in flight run to their end), resume, cancel (leases in flight are revoked, the job
/// finishes as cancelled) and retry failed genes (the job reopens; each gene entity is reset for the new round
/// before its next lease).
/// </summary>
public sealed class JobManagerActor : ReceivePersistentActor, IWithTimers
{
    public const string PersistenceIdValue = "expecto-job-manager";

    private sealed record Finalized(string JobId, bool Complete, IReadOnlyList<string> ExtraFiles);
    private sealed record FinalizeFailed(string JobId, string Error);
    private sealed record Purged(string JobId, int Rows, bool Again);
    private sealed record PurgeFailed(string JobId, string Error);
    private sealed record Purge(string JobId, bool Again);

    /// <summary>What the actor keeps of a worker besides its credit: where to send grants, and what to show.</summary>
    private sealed class WorkerSlot(IActorRef actor)
    {
        public IActorRef Actor { get; } = actor;
        public WorkerStats? Stats { get; set; }
        public DateTimeOffset LastSeen { get; set; } = DateTimeOffset.UtcNow;
    }

    private readonly IActorRef _genes;
    private readonly CoordinatorOptions _options;
    private readonly PersistenceOptions _persistence;
    private readonly IJobFinalizer _finalizer;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private JobBook _book = JobBook.Empty;
    private DispatchState _dispatch;
    private readonly Dictionary<string, WorkerSlot> _workers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _finalizing = new(StringComparer.Ordinal);
    private readonly HashSet<GeneKey> _recording = []; // settlements waiting for or in a write, not yet in the book
    private readonly List<(GeneSettled Settled, IActorRef Entity)> _waiting = []; // settlements for the next write
    private bool _writing; // a write of settlements is in flight; what arrives meanwhile goes in the next one
    private bool _barrier; // an operator's command is stashed until _recording drains; settlements wait behind it
    private long _snapshotSequenceNr; // of the newest snapshot saved or recovered: the older one kept after the next save
    private JournalPurge? _purge; // null with a journal other than Akka.Persistence.Sql (tests): compaction only
    private readonly HashSet<string> _purging = new(StringComparer.Ordinal); // finished jobs whose gene journals are being deleted

    public JobManagerActor(IActorRef genes, CoordinatorOptions options, PersistenceOptions persistence, IJobFinalizer finalizer)
    {
        _genes = genes;
        _options = options;
        _persistence = persistence;
        _finalizer = finalizer;
        _dispatch = DispatchState.Start(new DispatchSettings(options.LeaseDuration, options.WorkerReregistrationGrace), NowMs);

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
        Command<GetWorkers>(_ => Sender.Tell(new WorkerListResponse(_workers.Select(kv => WorkerView(kv.Key, kv.Value)).ToList())));
        Command<LeaseAccepted>(Feed);
        Command<LeaseDeclined>(Feed);
        Command<GeneReady>(Feed);
        Command<GeneSettled>(OnSettled);
        Command<Terminated>(OnTerminated);
        Command<Finalized>(f =>
        {
            _finalizing.Remove(f.JobId);
            Persist(_book.Decide(new FinishJob(f.JobId, f.Complete, f.ExtraFiles) { AtMs = NowMs }), _ =>
            {
                _log.Info("job {0} finished: {1}", f.JobId, _book.Jobs[f.JobId].Phase.Name());
                StartPurge(f.JobId, again: false);
            });
        });
        Command<Purge>(p => StartPurge(p.JobId, p.Again));
        Command<Purged>(OnPurged);
        Command<PurgeFailed>(f =>
        {
            _log.Warning("job {0}: deleting its gene journals failed, retrying in {1:g}: {2}", f.JobId, PurgeRetry, f.Error);
            Timers.StartSingleTimer("purge-" + f.JobId, new Purge(f.JobId, Again: false), PurgeRetry);
        });
        Command<FinalizeFailed>(f =>
        {
            _finalizing.Remove(f.JobId);
            _log.Error("job {0}: finalization failed, retrying: {1}", f.JobId, f.Error);
        });
        Command<DispatchTick>(t =>
        {
            foreach (var job in _book.InOrder) MaybeFinalize(job.JobId);
            Feed(t);
            CoordinatorMetrics.SetInFlight(_dispatch.Owner.Count);
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

    private static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private void Persist(IReadOnlyList<IJobEvent> events, Action<IJobEvent> after)
    {
        PersistAll(events, persisted =>
        {
            Applied(persisted);
            after(persisted);
        });
    }

    /// <summary>An event is durable: fold it into the book, and snapshot every <see cref="PersistenceOptions.SnapshotEvery"/> events.</summary>
    private void Applied(IJobEvent persisted)
    {
        _book = _book.Apply(persisted);
        if (LastSequenceNr % Math.Max(1, _persistence.SnapshotEvery) == 0)
            SaveSnapshot(_book.ToSnapshot());
    }

    /// <summary>Hands <paramref name="input"/> to the dispatcher and carries out what it decides.</summary>
    private void Feed(object input)
    {
        var (next, events) = _dispatch.Step(input, _book, NowMs);
        _dispatch = next;
        foreach (var e in events) Carry(e);
    }

    private void Carry(IDispatchEvent e)
    {
        switch (e)
        {
            case LeaseRequested l:
                {
                    var job = _book.Jobs[l.JobId];
                    // A retried job's genes failed in an earlier round: reset first (idempotent; sharding keeps the order).
                    if (l.Round > 0)
                        _genes.Tell(new ResetGene(l.JobId, l.GeneId, l.Round));
                    _genes.Tell(new LeaseGene(l.JobId, l.GeneId, new GeneWorkItem(l.JobId, l.GeneId, job.ChromOf[l.GeneId], job.Spec),
                        l.WorkerId, _workers[l.WorkerId].Actor, _options.LeaseDuration));
                    break;
                }
            case LeaseRevoked r:
                _log.Info("revoking the lease of gene {0} of job {1} held by {2}: {3}", r.GeneId, r.JobId, r.WorkerId, r.Reason);
                _genes.Tell(new RevokeLease(r.JobId, r.GeneId, r.WorkerId, r.Reason));
                break;
            case GeneWoken w:
                _genes.Tell(new WakeGene(w.JobId, w.GeneId));
                break;
        }
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
        _purge = JournalPurge.For(Context.System);
        Feed(new DispatchRecovered());
        foreach (var job in _book.InOrder.Where(j => j.Finished is null)) MaybeFinalize(job.JobId);
        // Finished before the last stop but not compacted yet: its gene journals may still be there.
        foreach (var job in _book.InOrder.Where(j => j.Finished is not null && !j.Compacted)) StartPurge(job.JobId, again: false);
        _log.Info("job manager up: {0} job(s), {1} gene(s) queued", _book.Jobs.Count, _dispatch.QueuedCount);
        Timers.StartPeriodicTimer("tick", new DispatchTick(), _options.DispatchTick);
    }

    private void OnSubmit(SubmitJob c)
    {
        long now = NowMs;
        var events = _book.Decide(c).Select(e => e is JobSubmitted s ? s with { AtMs = now } : e).ToList();
        var sender = Sender;
        if (events.Count == 0)
        {
            sender.Tell(new SubmitJobResponse(c.JobId, AlreadyKnown: true, View(_book.Jobs[c.JobId])));
            return;
        }
        Persist(events, e =>
        {
            _log.Info("job {0} submitted: {1} gene(s) → {2}", c.JobId, c.Genes.Count, c.Spec.OutputDir);
            Feed(e);
            sender.Tell(new SubmitJobResponse(c.JobId, AlreadyKnown: false, View(_book.Jobs[c.JobId])));
        });
    }

    private void OnRegister(RegisterWorker r)
    {
        if (!_workers.TryGetValue(r.WorkerId, out var slot))
        {
            slot = new WorkerSlot(r.Worker);
            _workers[r.WorkerId] = slot;
            Context.Watch(r.Worker);
            _log.Info("worker {0} joined with {1} slot(s), holding {2}", r.WorkerId, r.Capacity, r.Holding.Count);
        }
        slot.Stats = r.Stats ?? slot.Stats;
        slot.LastSeen = DateTimeOffset.UtcNow;
        Feed(r);
    }

    /// <summary>
    /// Most settlements in one journal row: a settlement journaled with many others (<see cref="JobGenesSettled"/>)
    /// costs one row insert and one serialization for all of them; the bound keeps rows small.
    /// </summary>
    private const int MaxSettlementsPerEvent = 256;

    /// <summary>
    /// Records a settlement without stopping the actor for the journal round trip, by group commit: with no write in
    /// flight the settlement is written at once; settlements that arrive while one is in flight are written together
    /// in the next one, as one <see cref="JobGenesSettled"/> row per job (<see cref="JobBook.DecideSettlements"/>). The
    /// gene's credit returns at once (its entity committed durably before announcing); the entity hears
    /// <see cref="SettlementRecorded"/> only once the record is durable, and announces again until then. A settlement
    /// already waiting or being written is not recorded twice.
    /// </summary>
    private void OnSettled(GeneSettled s)
    {
        if (_barrier)
        {
            Stash.Stash(); // an operator's command waits for the book to hold every settlement decided before it
            return;
        }
        var key = new GeneKey(s.JobId, s.Result.GeneId);
        if (_recording.Contains(key)) return;
        bool open = _book.Decide(s).Count > 0;
        Feed(s);
        if (!open)
        {
            Sender.Tell(new SettlementRecorded(s.JobId, s.Result.GeneId));
            return;
        }
        _recording.Add(key);
        _waiting.Add((s, Sender));
        if (!_writing) WriteSettlements();
    }

    private void WriteSettlements()
    {
        var batch = _waiting.ToList();
        _waiting.Clear();
        var entities = batch.ToDictionary(b => new GeneKey(b.Settled.JobId, b.Settled.Result.GeneId), b => b.Entity);
        var events = _book.DecideSettlements(batch.Select(b => b.Settled), MaxSettlementsPerEvent);
        // Waiting genes are open in the book (checked on arrival; operators' commands wait behind them): never empty.
        if (events.Count == 0)
        {
            foreach (var (k, entity) in entities) Recorded(k, entity);
            SettlementsWritten();
            return;
        }
        _writing = true;
        int left = events.Count;
        PersistAllAsync(events, e =>
        {
            Applied(e);
            var settled = (JobGenesSettled)e;
            foreach (var r in settled.Results)
            {
                var k = new GeneKey(settled.JobId, r.GeneId);
                Recorded(k, entities[k]);
            }
            MaybeFinalize(settled.JobId);
            if (--left == 0) SettlementsWritten();
        });
    }

    private void Recorded(GeneKey key, IActorRef entity)
    {
        _recording.Remove(key);
        entity.Tell(new SettlementRecorded(key.JobId, key.GeneId));
    }

    /// <summary>A write of settlements is durable: write what waited meanwhile, or let a stashed operator's command in.</summary>
    private void SettlementsWritten()
    {
        _writing = false;
        if (_waiting.Count > 0)
            WriteSettlements();
        else if (_recording.Count == 0 && _barrier)
        {
            _barrier = false;
            Stash.UnstashAll();
        }
    }

    private void OnControl(ControlJob c)
    {
        if (_recording.Count > 0)
        {
            // Decide on a book that holds every settlement decided so far (a retry must see the genes that failed).
            _barrier = true;
            Stash.Stash();
            return;
        }
        if (c.Control == JobControl.RetryFailed && _purging.Contains(c.JobId))
        {
            Stash.Stash(); // its gene journals are being deleted: retry once that is done and the job is compacted
            return;
        }
        var sender = Sender;
        if (c.Control == JobControl.RetryFailed && _book.Jobs.TryGetValue(c.JobId, out var compacted) && compacted.Compaction is not null
            && _book.Refusal(c) is null)
        {
            try
            {
                JobManifest.ReadCommitted(compacted.Spec.OutputDir, c.JobId);
            }
            catch (InvalidDataException e)
            {
                sender.Tell(new ControlJobResponse(c.JobId, $"job {c.JobId} was compacted and its committed genes cannot be read back: {e.Message}",
                    false, 0, View(compacted)));
                return;
            }
        }
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
                    break;
                case JobCancelled:
                    _log.Info("job {0} cancelled; revoking {1} lease(s)", c.JobId, _dispatch.LeasedOf(c.JobId));
                    break;
                case JobReopened r:
                    requeued = r.GeneIds.Count;
                    _log.Info("job {0}: retrying {1} failed gene(s), round {2}", c.JobId, requeued, r.Round);
                    break;
            }
            Feed(e);
            if (e is JobCancelled) MaybeFinalize(c.JobId);
            sender.Tell(new ControlJobResponse(c.JobId, null, false, requeued, View(_book.Jobs[c.JobId])));
        });
    }

    private void OnTerminated(Terminated t)
    {
        var (id, _) = _workers.FirstOrDefault(kv => kv.Value.Actor.Equals(t.ActorRef));
        if (id is null) return;
        _workers.Remove(id);
        _log.Warning("worker {0} left; revoking {1} lease(s)", id, _dispatch.OutstandingAt(id));
        Feed(new DispatchWorkerGone(id));
    }

    private static readonly TimeSpan PurgeRetry = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A finished job's gene entities write nothing more (the last event of each, its commit or failure, was durable
    /// before the job could finish), so their journals and snapshots go, in one statement per table; then the job is
    /// compacted (<see cref="JobCompacted"/>). Once more after two lease durations (<paramref name="again"/>): an entity
    /// of a cancelled job may still have been ending a revoked lease. A gene started again later by a late message
    /// finds an empty journal and commits nothing (<see cref="GeneState.NeverLeased"/>).
    /// </summary>
    private void StartPurge(string jobId, bool again)
    {
        if (!_book.Jobs.TryGetValue(jobId, out var job) || job.Finished is null || (!again && job.Compacted)) return;
        if (_purge is not { } purge)
        {
            if (!again) Self.Tell(new Purged(jobId, 0, again));
            return;
        }
        if (!_purging.Add(jobId)) return; // one at a time; a retry of the job waits for it (OnControl)
        string prefix = GeneEntityActor.PersistenceIdPrefixOf(jobId);
        purge.PurgeAsync(prefix, CancellationToken.None)
            .PipeTo(Self, success: n => new Purged(jobId, n, again), failure: e => again ? new Purged(jobId, -1, again) : new PurgeFailed(jobId, e.Message));
    }

    private void OnPurged(Purged p)
    {
        _purging.Remove(p.JobId);
        if (p.Again)
        {
            if (p.Rows > 0) _log.Info("job {0}: deleted {1} more gene journal row(s) written after it finished", p.JobId, p.Rows);
            Stash.UnstashAll();
            return;
        }
        var events = _book.Decide(new CompactJob(p.JobId));
        if (events.Count == 0)
        {
            Stash.UnstashAll();
            return;
        }
        Persist(events, _ =>
        {
            var job = _book.Jobs[p.JobId];
            _log.Info("job {0} compacted: {1} gene journal row(s) deleted; {2} failed gene(s) kept of {3}", p.JobId, Math.Max(0, p.Rows), job.FailedCount, job.GeneCount);
            // The book just shrank by the job's genes: snapshot it, so the journal behind it can be trimmed now.
            SaveSnapshot(_book.ToSnapshot());
            if (_purge is not null)
                Timers.StartSingleTimer("purge-" + p.JobId, new Purge(p.JobId, Again: true), _options.LeaseDuration * 2);
            Stash.UnstashAll(); // a retry of this job waited for it
        });
    }

    private void MaybeFinalize(string jobId)
    {
        if (!_book.Jobs.TryGetValue(jobId, out var job) || !job.Finishable || !_finalizing.Add(jobId))
            return;
        var finalizer = _finalizer;
        Task.Run(async () =>
        {
            // A job retried after compaction: the genes compaction dropped are in the manifest of its last finish.
            var finished = job.ToFinished(job.Compaction is null ? null : JobManifest.ReadCommitted(job.Spec.OutputDir, jobId));
            AtomicFile.DeleteStaleTempFiles(finished.Spec.OutputDir, DateTime.MaxValue);
            var extra = await finalizer.FinalizeAsync(finished, CancellationToken.None);
            JobManifest.Write(finished, extra);
            return new Finalized(jobId, finished.IsComplete, extra);
        }).PipeTo(Self, failure: e => new FinalizeFailed(jobId, e.Message));
    }

    /// <summary>
    /// Genes of the job leased now, or settled but not yet durable in the book: a gene's credit returns as its
    /// settlement arrives, while <see cref="JobState.CommittedCount"/> counts it only once the write lands, so without
    /// the second kind a status could show nothing in flight and one more gene done a moment later.
    /// </summary>
    private int InFlight(string jobId) =>
        _dispatch.LeasedOf(jobId) + _recording.Count(k => k.JobId == jobId && !_dispatch.Owner.ContainsKey(k));

    private JobStatusView View(JobState job)
    {
        var failed = job.FailedResults.OrderBy(r => r.GeneId, StringComparer.Ordinal).ToList();
        return new JobStatusView(job.JobId, job.Phase, job.GeneCount, job.CommittedCount, failed.Count,
            InFlight(job.JobId), job.Spec.OutputDir, failed)
        {
            SubmittedAtMs = job.SubmittedAtMs,
            FinishedAtMs = job.Finished?.AtMs ?? 0,
            Mutations = job.Rows,
        };
    }

    private WorkerView WorkerView(string id, WorkerSlot slot)
    {
        // Remote workers' refs carry their node's address; a worker in this process (embedded) is on this node.
        var address = slot.Actor.Path.Address.HasGlobalScope ? slot.Actor.Path.Address : Akka.Cluster.Cluster.Get(Context.System).SelfAddress;
        return new WorkerView(id, address.ToString(), _dispatch.Workers.TryGetValue(id, out var credit) ? credit.Capacity : 0,
            _dispatch.OutstandingAt(id), slot.Stats, slot.LastSeen.ToUnixTimeMilliseconds());
    }
}
