using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using ExPecto.Coordinator.Jobs;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using ExPecto.Protocol.Schedules;
using ExPecto.Protocol;

namespace ExPecto.Coordinator.Schedules;

/// <summary>
/// The schedule manager (cluster singleton on the coordinator role): persists schedules (<see cref="ScheduleBook"/>)
/// in the coordinator's journal, evaluates their cron occurrences on a timer against an injectable clock, and starts
/// runs through the job manager. A run resolves the schedule's spec, digests every gene's inputs
/// (<see cref="GeneInputDigest"/>) off the actor thread, and submits a job of only the genes whose digest differs
/// from the last committed run (all with force) into OUT/runs/&lt;UTC stamp&gt;; when that job finishes, the genes it
/// committed take the run's digests and OUT/schedule-index.tsv is rewritten. One run per schedule at a time.
/// </summary>
public sealed class ScheduleManagerActor : ReceivePersistentActor, IWithTimers
{
    public const string PersistenceIdValue = "expecto-schedule-manager";

    private const int SnapshotEveryAtMost = 20;
    private static readonly TimeSpan s_jobManagerAsk = TimeSpan.FromSeconds(5);

    private sealed record Tick;
    private sealed record Prepared(string Name, DateTimeOffset AddedAt, DateTimeOffset? DueAt, bool Force, JobSpec Spec, InputDigests Digests, IReadOnlyList<GeneDigest> Genes, IActorRef? ReplyTo);
    private sealed record PrepareFailed(string Name, DateTimeOffset AddedAt, DateTimeOffset? DueAt, string Error, IActorRef? ReplyTo);
    private sealed record Polled(string Name, string JobId, JobStatusView? View);
    private sealed record PollFailed(string Name);

    private readonly IActorRef _jobManager;
    private readonly ScheduleOptions _options;
    private readonly ExPecto.Protocol.Processing.EngineCatalog _engines;
    private readonly PersistenceOptions _persistence;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _preparing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _polling = new(StringComparer.Ordinal);
    private ScheduleBook _book = ScheduleBook.Empty;

    public ScheduleManagerActor(IActorRef jobManager, ScheduleOptions options, PersistenceOptions persistence,
        ExPecto.Protocol.Processing.EngineCatalog engines, TimeProvider clock)
    {
        _jobManager = jobManager;
        _options = options;
        _engines = engines;
        _persistence = persistence;
        _clock = clock;

        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is ScheduleBookSnapshot s) _book = ScheduleBook.FromSnapshot(s);
        });
        Recover<IScheduleEvent>(e => _book = _book.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            _log.Info("schedule manager up: {0} schedule(s)", _book.Schedules.Count);
            Timers.StartPeriodicTimer("tick", new Tick(), _options.Tick);
            // Missed-run policy: occurrences missed while down are due now and run once, at this first evaluation.
            Self.Tell(new Tick());
        });

        Command<ListSchedules>(_ => Sender.Tell(new ScheduleListResponse(_book.Schedules.Values.Select(s => s.View()).ToList())));
        Command<AddSchedule>(OnAdd);
        Command<RemoveSchedule>(OnRemove);
        Command<RunScheduleNow>(OnRunNow);
        Command<Tick>(_ => OnTick());
        Command<Prepared>(OnPrepared);
        Command<PrepareFailed>(OnPrepareFailed);
        Command<Polled>(OnPolled);
        Command<PollFailed>(p => _polling.Remove(p.Name));
        Command<SubmitJobResponse>(r => _log.Debug("job {0} accepted by the job manager", r.JobId));
        Command<Status.Failure>(f => _log.Warning("job submission not confirmed (retried at the next poll): {0}", f.Cause.Message));
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("schedule manager snapshot failed: {0}", f.Cause.Message));
    }

    public static Props Props(IActorRef jobManager, ScheduleOptions options, PersistenceOptions persistence,
        ExPecto.Protocol.Processing.EngineCatalog engines, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new ScheduleManagerActor(jobManager, options, persistence, engines, clock));

    public override string PersistenceId => PersistenceIdValue;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// A scheduled run's job id: content-derived like every job id (<see cref="JobIdentity.Compute"/>), plus the
    /// schedule and the run folder, because a forced run of unchanged inputs is still new work in a new folder.
    /// </summary>
    public static string RunJobId(string name, string runFolderName, string contentJobId)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"expecto-schedule-run-v1\n{name}\n{runFolderName}\n{contentJobId}\n"));
        return "j" + Convert.ToHexStringLower(hash)[..16];
    }

    private void Persist(IReadOnlyList<IScheduleEvent> events, Action<IScheduleEvent> after)
    {
        PersistAll(events, persisted =>
        {
            _book = _book.Apply(persisted);
            // A run's events carry every gene's digest (megabytes for a genome): snapshot far more often than the job manager.
            if (LastSequenceNr % Math.Clamp(_persistence.SnapshotEvery, 1, SnapshotEveryAtMost) == 0)
                SaveSnapshot(_book.ToSnapshot());
            after(persisted);
        });
    }

    private static ScheduleReply Error(ScheduleDecision d) => new(d.Error, d.ErrorKind, null, null);

    private void OnAdd(AddSchedule c)
    {
        var sender = Sender;
        try
        {
            JobSpecFile.Parse(c.SpecFileName, c.SpecText);
        }
        catch (ExPecto.Core.InputException e)
        {
            sender.Tell(new ScheduleReply(e.Message, ScheduleReply.BadRequest, null, null));
            return;
        }
        var decision = _book.Decide(c, _clock.GetUtcNow());
        if (decision.Error is not null)
        {
            sender.Tell(Error(decision));
            return;
        }
        Persist(decision.Events, _ =>
        {
            var s = _book.Schedules[c.Name];
            _log.Info("schedule {0} added: '{1}', next {2:o}", c.Name, s.Cron, s.NextRunAt);
            sender.Tell(new ScheduleReply(null, null, s.View(), null));
        });
    }

    private void OnRemove(RemoveSchedule c)
    {
        var sender = Sender;
        var decision = _book.Decide(c, _clock.GetUtcNow());
        if (decision.Error is not null)
        {
            sender.Tell(Error(decision));
            return;
        }
        var view = _book.Schedules[c.Name].View();
        Persist(decision.Events, _ =>
        {
            _log.Info("schedule {0} removed", c.Name);
            sender.Tell(new ScheduleReply(null, null, view, null));
        });
    }

    private void OnRunNow(RunScheduleNow c)
    {
        var decision = _book.CanStart(c.Name);
        if (decision.Error is not null)
        {
            Sender.Tell(Error(decision));
            return;
        }
        if (_preparing.Contains(c.Name))
        {
            Sender.Tell(new ScheduleReply($"schedule '{c.Name}' is already preparing a run", ScheduleReply.Conflict, null, null));
            return;
        }
        StartPreparation(_book.Schedules[c.Name], dueAt: null, c.Force, Sender);
    }

    private void OnTick()
    {
        var now = _clock.GetUtcNow();
        foreach (var due in _book.Due(now))
        {
            if (_preparing.Contains(due.Name)) continue; // the preparation's outcome will handle this occurrence
            if (due.RunningJobId is { } running)
            {
                _log.Info("schedule {0}: occurrence {1:o} skipped, job {2} still running", due.Name, due.DueAt, running);
                Persist([new ScheduleOccurrenceSkipped(due.Name, due.DueAt, running)], _ => { });
                continue;
            }
            _log.Info("schedule {0}: occurrence {1:o} due", due.Name, due.DueAt);
            StartPreparation(_book.Schedules[due.Name], due.DueAt, force: false, replyTo: null);
        }
        foreach (var s in _book.Schedules.Values)
        {
            if (s.Running is not { } run || !_polling.Add(s.Name)) continue;
            string name = s.Name, jobId = run.JobId;
            _jobManager.Ask<JobStatusResponse>(new GetJobStatus(jobId), s_jobManagerAsk)
                .PipeTo(Self, success: r => new Polled(name, jobId, r.Jobs.FirstOrDefault(j => j.JobId == jobId)), failure: _ => new PollFailed(name));
        }
    }

    private void StartPreparation(ScheduleState schedule, DateTimeOffset? dueAt, bool force, IActorRef? replyTo)
    {
        _preparing.Add(schedule.Name);
        string name = schedule.Name, fileName = schedule.SpecFileName, text = schedule.SpecText;
        var addedAt = schedule.AddedAt;
        string baseDirectory = _options.BaseDirectory ?? Directory.GetCurrentDirectory();
        var engines = _engines;
        // Reading the genome for every gene takes seconds to minutes: never on the actor's thread.
        Task.Run(() =>
        {
            var (spec, genes) = JobSpecFile.Parse(fileName, text).Resolve(engines, baseDirectory, fileName);
            var digests = JobIdentity.DigestInputs(spec);
            var perGene = GeneInputDigest.ForGenes(spec, digests, genes);
            var list = genes.Select(g => new GeneDigest(g.GeneId, g.Chrom, perGene[g.GeneId])).ToList();
            return new Prepared(name, addedAt, dueAt, force, spec, digests, list, replyTo);
        }).PipeTo(Self, failure: e => new PrepareFailed(name, addedAt, dueAt, (e is AggregateException a ? a.GetBaseException() : e).Message, replyTo));
    }

    private bool StillCurrent(string name, DateTimeOffset addedAt, IActorRef? replyTo)
    {
        _preparing.Remove(name);
        if (_book.Schedules.TryGetValue(name, out var s) && s.AddedAt == addedAt && s.Running is null) return true;
        replyTo?.Tell(new ScheduleReply($"schedule '{name}' was removed or changed while its run was prepared", ScheduleReply.Conflict, null, null));
        return false;
    }

    private void OnPrepareFailed(PrepareFailed f)
    {
        if (!StillCurrent(f.Name, f.AddedAt, f.ReplyTo)) return;
        _log.Error("schedule {0}: run failed before submission: {1}", f.Name, f.Error);
        var replyTo = f.ReplyTo;
        Persist([new ScheduleRunFailed(f.Name, f.DueAt, _clock.GetUtcNow(), f.Error)], _ => replyTo?.Tell(new ScheduleReply(
            f.Error, ScheduleReply.BadRequest, _book.Schedules[f.Name].View(), new ScheduleRunView(f.Name, ScheduleRunView.Failed, null, 0, 0, null, f.Error))));
    }

    private void OnPrepared(Prepared p)
    {
        if (!StillCurrent(p.Name, p.AddedAt, p.ReplyTo)) return;
        var now = _clock.GetUtcNow();
        var changed = _book.Changed(p.Name, p.Genes, p.Force);
        var replyTo = p.ReplyTo;
        if (changed.Count == 0)
        {
            _log.Info("schedule {0}: all {1} gene(s) up to date, nothing submitted", p.Name, p.Genes.Count);
            Persist([new ScheduleRunUpToDate(p.Name, p.DueAt, now, p.Genes.Count)], _ => replyTo?.Tell(new ScheduleReply(
                null, null, _book.Schedules[p.Name].View(), new ScheduleRunView(p.Name, ScheduleRunView.UpToDate, null, 0, p.Genes.Count, null, null))));
            return;
        }
        string root = p.Spec.OutputDir;
        string runFolder = ScheduleIndexFile.RunFolder(root, now);
        // Two runs within one second (run-now right after a cron run) must not share a folder.
        for (int i = 2; Directory.Exists(runFolder) || _book.Schedules.Values.Any(s => s.Running?.RunFolder == runFolder); i++)
            runFolder = ScheduleIndexFile.RunFolder(root, now) + "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var runSpec = p.Spec with { OutputDir = runFolder };
        var genes = changed.Select(g => new GeneRef(g.GeneId, g.Chrom)).ToList();
        string jobId = RunJobId(p.Name, Path.GetFileName(runFolder), JobIdentity.Compute(p.Digests, runSpec, genes));
        var submit = new SubmitJob(jobId, runSpec, p.Digests, genes);
        Persist([new ScheduleRunStarted(p.Name, p.DueAt, now, p.Force, root, runFolder, p.Genes, submit)], _ =>
        {
            _log.Info("schedule {0}: job {1} of {2}/{3} changed gene(s) → {4}", p.Name, jobId, genes.Count, p.Genes.Count, runFolder);
            _jobManager.Ask<SubmitJobResponse>(submit, s_jobManagerAsk).PipeTo(Self);
            replyTo?.Tell(new ScheduleReply(null, null, _book.Schedules[p.Name].View(),
                new ScheduleRunView(p.Name, ScheduleRunView.Started, jobId, genes.Count, p.Genes.Count, runFolder, null)));
        });
    }

    private void OnPolled(Polled p)
    {
        _polling.Remove(p.Name);
        if (!_book.Schedules.TryGetValue(p.Name, out var s) || s.Running is not { } run || run.JobId != p.JobId) return;
        if (p.View is null)
        {
            // Persisted as started but unknown to the job manager (we stopped before it confirmed): submit again, idempotently.
            _jobManager.Ask<SubmitJobResponse>(run.Submit, s_jobManagerAsk).PipeTo(Self);
            return;
        }
        // Only a finished job ends the run: a cancelling one still has leases in flight and its manifest to write.
        if (!p.View.Phase.IsFinished()) return;
        var failed = p.View.FailedGenes.Select(g => g.GeneId).ToHashSet(StringComparer.Ordinal);
        // Complete or partial: every gene settled, and all but the failed ones committed. Any other end (cancelled):
        // which genes committed is not known here, so none counts and all stay changed.
        var committed = p.View.Phase.IsSettled()
            ? run.Submit.Genes.Select(g => g.GeneId).Where(g => !failed.Contains(g)).ToList()
            : [];
        Persist([new ScheduleRunFinished(p.Name, run.JobId, _clock.GetUtcNow(), p.View.Phase, committed, failed.Count)], _ =>
        {
            _log.Info("schedule {0}: job {1} {2}, {3} gene(s) committed, {4} failed", p.Name, run.JobId, p.View.Phase.Name(), committed.Count, failed.Count);
            try
            {
                ScheduleIndexFile.Write(run.OutputRoot, _book.Schedules[p.Name].Committed);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.Error("schedule {0}: could not write {1}: {2}", p.Name, ScheduleIndexFile.FileName, e.Message);
            }
        });
    }
}
