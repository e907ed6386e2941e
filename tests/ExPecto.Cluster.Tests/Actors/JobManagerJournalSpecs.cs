using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;
using ExPecto.Coordinator.Actors;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using ExPecto.Protocol.Serialization;
using ExPecto.Protocol.State;
using ExPecto.Protocol;

namespace ExPecto.Cluster.Tests.Actors;

/// <summary>
/// The job manager trims what it persisted behind its snapshots: two snapshots kept, the events both contain
/// deleted, and recovery from either kept snapshot (or after a restart) gives the same book. SQLite store, as
/// `expecto run` and the coordinator use.
/// </summary>
public sealed class JobManagerJournalSpecs(ITestOutputHelper output) : Akka.Hosting.TestKit.TestKit(nameof(JobManagerJournalSpecs), output)
{
    private const int SnapshotEvery = 5;
    private const int Genes = 30;
    private static readonly InputDigests Digests = new("1", "2", "3", "4", []);
    private static readonly GeneOutcome Outcome = new(1, 0, ["effects/chr1/x.tsv"], "x");
    private readonly TempDir _tmp = new();

    private PersistenceOptions Persistence => new() { SqliteFile = _tmp.Sub("state/checkpoints.db"), SnapshotEvery = SnapshotEvery };

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.WithExPectoPersistence(Persistence).WithExPectoSerialization();

    protected override async Task AfterAllAsync()
    {
        await base.AfterAllAsync();
        _tmp.Dispose();
    }

    /// <summary>What recovery with <see cref="Criteria"/> found: the snapshot offered, then the events replayed.</summary>
    private sealed record Replayed(long SnapshotSequenceNr, JobBookSnapshot? Snapshot, IReadOnlyList<(long SequenceNr, IJobEvent Event)> Events, long LastSequenceNr)
    {
        public JobBook Book => Events.Aggregate(Snapshot is null ? JobBook.Empty : JobBook.FromSnapshot(Snapshot), (b, e) => b.Apply(e.Event));
    }

    /// <summary>Recovers the job manager's persistence id as the job manager would, but only reports what it read.</summary>
    private sealed class Replayer : ReceivePersistentActor
    {
        private readonly Recovery _recovery;
        private readonly List<(long, IJobEvent)> _events = [];
        private JobBookSnapshot? _snapshot;
        private long _snapshotSequenceNr;

        public Replayer(SnapshotSelectionCriteria criteria, IActorRef report)
        {
            _recovery = new Recovery(criteria);
            Recover<SnapshotOffer>(o =>
            {
                _snapshot = (JobBookSnapshot)o.Snapshot;
                _snapshotSequenceNr = o.Metadata.SequenceNr;
            });
            Recover<IJobEvent>(e => _events.Add((LastSequenceNr, e)));
            Recover<RecoveryCompleted>(_ =>
            {
                report.Tell(new Replayed(_snapshotSequenceNr, _snapshot, _events, LastSequenceNr));
                Context.Stop(Self);
            });
        }

        public override string PersistenceId => JobManagerActor.PersistenceIdValue;

        public override Recovery Recovery => _recovery;
    }

    private async Task<Replayed> ReplayAsync(SnapshotSelectionCriteria criteria)
    {
        var probe = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new Replayer(criteria, probe.Ref)));
        return await probe.ExpectMsgAsync<Replayed>(TimeSpan.FromSeconds(20));
    }

    private IActorRef StartJobManager(IActorRef genes) =>
        Sys.ActorOf(JobManagerActor.Props(genes, new CoordinatorOptions(), Persistence, new NoOpJobFinalizer()));

    private async Task StopAsync(IActorRef actor)
    {
        var watcher = CreateTestProbe();
        watcher.Watch(actor);
        Sys.Stop(actor);
        await watcher.ExpectTerminatedAsync(actor);
    }

    private static string Json(ActorSystem system, JobBook book) =>
        System.Text.Encoding.UTF8.GetString(new ExPectoSerializer((ExtendedActorSystem)system).ToBinary(book.ToSnapshot()));

    [Fact]
    public async Task Keeps_two_snapshots_deletes_the_events_both_contain_and_recovers_the_same_book_after_restart()
    {
        var genes = CreateTestProbe();
        var jm = StartJobManager(genes.Ref);
        var geneRefs = Enumerable.Range(0, Genes).Select(i => new GeneRef($"G{i:D2}", $"chr{i % 3 + 1}")).ToList();
        jm.Tell(new SubmitJob("j1", new JobSpec("g", "a", "w", "m", _tmp.Sub("out"), 10, 0.3, "fake", 4), Digests, geneRefs));
        await ExpectMsgAsync<SubmitJobResponse>(TimeSpan.FromSeconds(30)); // the first write creates the tables
        // Event 1 submitted the job, events 2..30 settle all genes but the last: snapshots at 5, 10, …, 30.
        foreach (var g in geneRefs.Take(Genes - 1))
        {
            jm.Tell(new GeneSettled("j1", new GeneResult(g.GeneId, g.Chrom, 1, Outcome, null)), genes.Ref);
            await genes.ExpectMsgAsync<SettlementRecorded>();
        }
        jm.Tell(new GetJobStatus("j1"));
        var before = (await ExpectMsgAsync<JobStatusResponse>()).Jobs.Single();
        Assert.Equal((Genes - 1, JobPhase.Running), (before.Committed, before.Phase));

        // Deletion follows the last snapshot's save: wait until the journal no longer replays event 25.
        Replayed journalOnly = null!;
        await AwaitAssertAsync(async () =>
        {
            journalOnly = await ReplayAsync(SnapshotSelectionCriteria.None);
            Assert.Equal(26, journalOnly.Events[0].SequenceNr);
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));
        Assert.Equal(Enumerable.Range(26, 5).Select(i => (long)i), journalOnly.Events.Select(e => e.SequenceNr));
        Assert.Equal(30, journalOnly.LastSequenceNr);
        await StopAsync(jm);

        var newest = await ReplayAsync(SnapshotSelectionCriteria.Latest);
        Assert.Equal(30, newest.SnapshotSequenceNr);
        Assert.Empty(newest.Events);
        var older = await ReplayAsync(new SnapshotSelectionCriteria(29));
        Assert.Equal(25, older.SnapshotSequenceNr);
        Assert.Equal(Enumerable.Range(26, 5).Select(i => (long)i), older.Events.Select(e => e.SequenceNr));
        var none = await ReplayAsync(new SnapshotSelectionCriteria(24));
        Assert.Null(none.Snapshot); // the snapshots at 5..20 are gone

        // Either kept snapshot rebuilds the same book, with every settlement in it.
        var book = newest.Book;
        Assert.Equal(Json(Sys, book), Json(Sys, older.Book));
        Assert.Equal(Genes - 1, book.Jobs["j1"].Settled.Count);
        Assert.Equal(geneRefs[^1], Assert.Single(book.Jobs["j1"].Unsettled));

        // A restarted job manager recovers that book, continues the sequence and finishes the job.
        var restarted = StartJobManager(genes.Ref);
        restarted.Tell(new GetJobStatus("j1"));
        var after = (await ExpectMsgAsync<JobStatusResponse>(TimeSpan.FromSeconds(20))).Jobs.Single();
        Assert.Equal((before.Genes, before.Committed, before.Failed, before.Phase, before.SubmittedAtMs),
            (after.Genes, after.Committed, after.Failed, after.Phase, after.SubmittedAtMs));
        restarted.Tell(new GeneSettled("j1", new GeneResult(geneRefs[^1].GeneId, geneRefs[^1].Chrom, 1, Outcome, null)), genes.Ref);
        await genes.ExpectMsgAsync<SettlementRecorded>();
        await AwaitAssertAsync(async () =>
        {
            restarted.Tell(new GetJobStatus("j1"));
            Assert.Equal(JobPhase.Complete, (await ExpectMsgAsync<JobStatusResponse>()).Jobs.Single().Phase);
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));
        // 31: the last settlement, 32: finished, 33: compacted (after its gene journals were deleted).
        await AwaitAssertAsync(async () =>
        {
            var r = await ReplayAsync(SnapshotSelectionCriteria.Latest);
            Assert.Equal((33L, 33L), (r.LastSequenceNr, r.SnapshotSequenceNr));
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));
        await StopAsync(restarted);
        var final = await ReplayAsync(SnapshotSelectionCriteria.Latest);
        Assert.Equal(33, final.SnapshotSequenceNr); // compaction snapshots the shrunken book
        Assert.True(final.Book.Jobs["j1"].Compacted);
        Assert.Equal(Genes, final.Book.Jobs["j1"].CommittedCount);
        Assert.Empty(final.Book.Jobs["j1"].Settled);
        Assert.True(File.Exists(Path.Combine(_tmp.Sub("out"), JobManifest.FileName)));
    }
}
