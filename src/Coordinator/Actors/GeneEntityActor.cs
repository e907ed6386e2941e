using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using ExPecto.Hosting;
using ExPecto.Protocol;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Sharding;
using ExPecto.Protocol.State;

namespace ExPecto.Coordinator.Actors;

/// <summary>
/// The sharded, persistent entity of one (job, gene). Decides with <see cref="GeneState"/>, persists, replies,
/// and keeps two timers: the lease deadline and, once settled, the re-announcement to the job manager until it
/// records the settlement — then the entity passivates for good. Entities are not remembered by sharding: one that
/// stops (a journal write or recovery failed) comes back with its next message — the worker's renewal or resent
/// completion, or the job manager's lease request or <see cref="WakeGene"/> — and its recovery re-arms the timers.
/// </summary>
public sealed class GeneEntityActor : ReceivePersistentActor, IWithTimers
{
    private const string LeaseTimer = "lease";
    private const string SettleTimer = "settle";
    private sealed record AnnounceSettlement;

    /// <summary>
    /// The stop message of passivation. Not PoisonPill: that is handled at once, even while events persist, and
    /// would drop the commands stashed meanwhile (a retry's ResetGene and the LeaseGene behind it). This one waits
    /// its turn like any command, then for the deferred replies before it.
    /// </summary>
    private sealed record StopEntity;

    private readonly Func<IActorRef?> _jobManager;
    private readonly CoordinatorOptions _options;
    private readonly ICommitHook _commitHook;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private GeneState _state;
    private (int Attempt, int Round)? _readySent;
    private bool _recorded; // the job manager recorded the settlement (not persisted: after a restart it is asked again)

    /// <param name="commitHook">Called on both sides of each commit; <see cref="ICommitHook.None"/> except under the test-hooks switch.</param>
    public GeneEntityActor(string entityId, Func<IActorRef?> jobManager, CoordinatorOptions options, ICommitHook? commitHook = null)
    {
        var (jobId, geneId) = GeneMessageExtractor.Parse(entityId);
        PersistenceId = PersistenceIdPrefix + entityId;
        _jobManager = jobManager;
        _options = options;
        _commitHook = commitHook ?? ICommitHook.None;
        _state = GeneState.Initial(jobId, geneId);

        Recover<IGeneEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => AfterRecovery());

        Command<AnnounceSettlement>(_ => Announce());
        // Deferred: replies of decisions still in the journal round trip (DeferAsync) go out before the entity stops.
        Command<StopEntity>(c => DeferAsync(c, _ => Context.Stop(Self)));
        Command<CheckLease>(c => Handle(c));
        Command<IGeneMessage>(c => Handle(c));
    }

    private const string PersistenceIdPrefix = "gene-";

    /// <summary>What the persistence ids of every gene entity of <paramref name="jobId"/> start with (and no other's).</summary>
    public static string PersistenceIdPrefixOf(string jobId) => PersistenceIdPrefix + jobId + GeneKey.Separator;

    public static Props Props(string entityId, Func<IActorRef?> jobManager, CoordinatorOptions options, ICommitHook? commitHook = null) =>
        Akka.Actor.Props.Create(() => new GeneEntityActor(entityId, jobManager, options, commitHook));

    public override string PersistenceId { get; }

    /// <summary>Gene entities never snapshot: recovery skips the snapshot store's query (one read per entity start).</summary>
    public override Recovery Recovery { get; } = new(SnapshotSelectionCriteria.None);

    public ITimerScheduler Timers { get; set; } = null!;

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private void Handle(object command)
    {
        var before = _state;
        var sender = Sender;
        var events = _state.Decide(command, Now, _options.MaxAttempts);
        if (events.Count == 0)
        {
            AfterDecision(before, command, sender, changed: false);
            return;
        }
        bool commits = events.Any(e => e is GeneCommitted);
        if (commits) _commitHook.BeforePersist(_state.JobId, _state.GeneId);
        PersistAll(events, e =>
        {
            _state = _state.Apply(e);
            CoordinatorMetrics.GenePersisted(command, e);
            if (e is GeneCommitted) _commitHook.AfterPersist(_state.JobId, _state.GeneId);
        });
        DeferAsync(command, _ => AfterDecision(before, command, sender, changed: true));
    }

    private void AfterDecision(GeneState before, object command, IActorRef sender, bool changed)
    {
        switch (command)
        {
            case LeaseGene c when changed && _state.Phase == GenePhase.Leased && _state.Attempt > before.Attempt:
                c.Worker.Tell(new WorkGranted(c.Item, _state.Attempt, c.LeaseDuration));
                sender.Tell(new LeaseAccepted(c.JobId, c.GeneId, c.WorkerId, _state.Attempt));
                ArmLeaseTimer();
                break;
            case LeaseGene c:
                sender.Tell(new LeaseDeclined(c.JobId, c.GeneId, c.WorkerId, _state.DeclineReason,
                    _state.Phase == GenePhase.Leased ? _state.WorkerId : null));
                break;
            case RenewLease when changed:
                ArmLeaseTimer();
                break;
            case RenewLease c:
                sender.Tell(new LeaseLost(c.JobId, c.GeneId, c.Attempt));
                break;
            case CompleteGene c:
                sender.Tell(new CompletionAcked(c.JobId, c.GeneId, c.Attempt, Duplicate: !changed));
                break;
            case ResetGene when changed:
                // Back to pending for a retry round: the job manager leases it like any other pending gene.
                Timers.Cancel(SettleTimer);
                _log.Info("gene {0} of job {1}: reset for retry round {2}", _state.GeneId, _state.JobId, _state.Round);
                Ready();
                return;
            case WakeGene when _state.Phase == GenePhase.Pending:
                // The job manager counts a lease that never got here (lost with an entity that failed to persist or
                // recover). Once per pending spell: a second GeneReady could release the gene's next, real lease.
                if (_readySent == (_state.Attempt, _state.Round)) return;
                _log.Info("gene {0} of job {1}: woken while pending; its lease request was lost", _state.GeneId, _state.JobId);
                Ready();
                return;
            case WakeGene when _state.Phase == GenePhase.Leased:
                ArmLeaseTimer();
                return;
            case WakeGene:
                Announce();
                return;
            case SettlementRecorded when _state.IsSettled && !_recorded:
                _recorded = true;
                Timers.Cancel(SettleTimer);
                // Done for good: the job manager will not ask about it again.
                Context.Parent.Tell(new Passivate(new StopEntity()));
                return;
        }
        if (!changed && LastSequenceNr == 0 && _state.NeverLeased && command is not (LeaseGene or ResetGene or WakeGene))
        {
            // Started by a late message for a gene whose journal went with its finished job (or that never was): it
            // holds nothing; stop rather than linger in memory.
            Context.Parent.Tell(new Passivate(new StopEntity()));
            return;
        }
        if (!changed) return;
        if (_state.IsSettled && !before.IsSettled)
        {
            Timers.Cancel(LeaseTimer);
            Announce();
        }
        else if (_state.Phase == GenePhase.Pending && before.Phase == GenePhase.Leased)
        {
            Timers.Cancel(LeaseTimer);
            _log.Info("gene {0} of job {1}: lease ended ({2}); pending again", _state.GeneId, _state.JobId, _state.LastError);
            Ready();
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

    private void AfterRecovery()
    {
        if (_state.Phase == GenePhase.Leased)
            ArmLeaseTimer();
        else if (_state.IsSettled && !_state.SettlementAcknowledged)
            Announce();
        else if (_state.IsSettled)
            Context.Parent.Tell(new Passivate(new StopEntity()));
        else if (_state.Attempt > 0)
            Ready();
    }

    /// <summary>Tells the job manager the gene is pending and can be leased; remembers for which attempt and round.</summary>
    private void Ready()
    {
        _readySent = (_state.Attempt, _state.Round);
        _jobManager()?.Tell(new GeneReady(_state.JobId, _state.GeneId));
    }

    private void ArmLeaseTimer()
    {
        long wait = Math.Max(0, _state.ExpiresAtMs - Now) + 50;
        Timers.StartSingleTimer(LeaseTimer, new CheckLease(_state.Attempt), TimeSpan.FromMilliseconds(wait));
    }

    private void Announce()
    {
        if (_recorded || _state.SettlementAcknowledged || _state.Result is not { } result) return;
        _jobManager()?.Tell(new GeneSettled(_state.JobId, result));
        Timers.StartSingleTimer(SettleTimer, new AnnounceSettlement(), _options.SettlementRetry);
    }
}
