using Akka.Actor;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using ExPecto.Protocol.Schedules;
using ExPecto.Protocol.Serialization;
using ExPecto.Protocol;

namespace ExPecto.Cluster.Tests.Schedules;

/// <summary>Schedule state without an actor system: cron evaluation, missed runs, no double start, the incremental rule.</summary>
public sealed class ScheduleBookTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 10, 30, 0, TimeSpan.Zero);
    private static readonly JobSpec Spec = new("g", "a", "w", "m", "/out/runs/x", 10, 0.3, "fake", 4);
    private static readonly InputDigests Inputs = new("1", "2", "3", "4", []);

    private static ScheduleBook With(string name, string cron, DateTimeOffset at) =>
        Fold(ScheduleBook.Empty, ScheduleBook.Empty.Decide(new AddSchedule(name, cron, "spec.json", "{}"), at).Events);

    private static ScheduleBook Fold(ScheduleBook book, IEnumerable<IScheduleEvent> events) => events.Aggregate(book, (b, e) => b.Apply(e));

    private static GeneDigest G(string id, string digest) => new(id, "chr1", digest);

    private static ScheduleRunStarted Started(string name, DateTimeOffset? due, IReadOnlyList<GeneDigest> all, IReadOnlyList<GeneDigest> submitted, string jobId = "j1") =>
        new(name, due, T0, false, "/out", "/out/runs/r1", all, new SubmitJob(jobId, Spec, Inputs, submitted.Select(g => new GeneRef(g.GeneId, g.Chrom)).ToList()));

    [Theory]
    [InlineData("0 2 * * *", "2026-03-03T02:00:00Z")]
    [InlineData("*/15 * * * *", "2026-03-02T10:45:00Z")]
    [InlineData("*/5 * * * * *", "2026-03-02T10:30:05Z")]
    [InlineData("0 3 * * 0", "2026-03-08T03:00:00Z")]
    public void The_next_occurrence_is_the_first_cron_time_after_the_cursor_in_utc(string cron, string expected)
    {
        var book = With("s", cron, T0);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), book.Schedules["s"].NextRunAt);
    }

    [Fact]
    public void A_cron_that_never_occurs_has_no_next_run_and_is_never_due()
    {
        var book = With("external", "0 0 30 2 *", T0);

        Assert.Null(book.Schedules["external"].NextRunAt);
        Assert.Empty(book.Due(T0.AddYears(5)));
    }

    [Theory]
    [InlineData("* * *")]
    [InlineData("61 * * * *")]
    [InlineData("0 0 0 * * * *")]
    public void A_malformed_cron_is_a_bad_request(string cron)
    {
        var decision = ScheduleBook.Empty.Decide(new AddSchedule("s", cron, "spec.json", "{}"), T0);

        Assert.Empty(decision.Events);
        Assert.Equal(ScheduleReply.BadRequest, decision.ErrorKind);
        Assert.Contains(cron, decision.Error);
    }

    [Fact]
    public void Adding_an_existing_name_is_a_conflict_and_removing_an_unknown_one_is_not_found()
    {
        var book = With("nightly", "0 2 * * *", T0);

        Assert.Equal(ScheduleReply.Conflict, book.Decide(new AddSchedule("nightly", "0 3 * * *", "b.json", "{}"), T0).ErrorKind);
        Assert.Equal(ScheduleReply.NotFound, book.Decide(new RemoveSchedule("weekly"), T0).ErrorKind);
        Assert.Empty(Fold(book, book.Decide(new RemoveSchedule("nightly"), T0).Events).Schedules);
    }

    [Fact]
    public void Nothing_is_due_before_the_first_occurrence()
    {
        var book = With("nightly", "0 2 * * *", T0);

        Assert.Empty(book.Due(T0.AddHours(15)));
        Assert.Single(book.Due(T0.AddHours(16)));
    }

    [Fact]
    public void Occurrences_missed_while_down_are_due_once_at_the_latest_of_them()
    {
        var book = With("nightly", "0 2 * * *", T0);
        var now = new DateTimeOffset(2026, 3, 5, 9, 0, 0, TimeSpan.Zero); // missed 3rd, 4th and 5th at 02:00

        var due = Assert.Single(book.Due(now));
        Assert.Equal(new DateTimeOffset(2026, 3, 5, 2, 0, 0, TimeSpan.Zero), due.DueAt);
        Assert.Null(due.RunningJobId);

        var after = book.Apply(new ScheduleRunUpToDate("nightly", due.DueAt, now, 6));
        Assert.Empty(after.Due(now));
        Assert.Equal(new DateTimeOffset(2026, 3, 6, 2, 0, 0, TimeSpan.Zero), after.Schedules["nightly"].NextRunAt);
    }

    [Fact]
    public void A_run_in_progress_is_never_started_twice()
    {
        var genes = new[] { G("A", "1"), G("B", "2") };
        var due = new DateTimeOffset(2026, 3, 3, 2, 0, 0, TimeSpan.Zero);
        var book = With("nightly", "0 2 * * *", T0).Apply(Started("nightly", due, genes, genes));

        Assert.Equal(ScheduleReply.Conflict, book.CanStart("nightly").ErrorKind);
        var next = Assert.Single(book.Due(due.AddDays(1)));
        Assert.Equal("j1", next.RunningJobId);

        var skipped = book.Apply(new ScheduleOccurrenceSkipped("nightly", next.DueAt, "j1"));
        Assert.Empty(skipped.Due(due.AddDays(1)));
        Assert.Equal("j1", skipped.Schedules["nightly"].Running!.JobId);
        Assert.Equal(ScheduleReply.NotFound, book.CanStart("weekly").ErrorKind);
    }

    [Fact]
    public void Only_genes_whose_digest_changed_since_the_last_committed_run_are_recomputed_and_failed_genes_stay_changed()
    {
        var book = With("s", "0 2 * * *", T0);
        var first = new[] { G("A", "1"), G("B", "1"), G("C", "1"), G("D", "1") };
        Assert.Equal(4, book.Changed("s", first, force: false).Count); // nothing committed yet

        book = Fold(book, [Started("s", null, first, first), new ScheduleRunFinished("s", "j1", T0, JobPhase.Partial, ["A", "B", "C"], 1)]);
        Assert.Null(book.Schedules["s"].Running);
        Assert.Equal(["D"], book.Changed("s", first, force: false).Select(g => g.GeneId));

        var second = new[] { G("A", "1"), G("B", "2"), G("C", "1"), G("D", "1") };
        var changed = book.Changed("s", second, force: false);
        Assert.Equal(["B", "D"], changed.Select(g => g.GeneId));
        Assert.Equal(4, book.Changed("s", second, force: true).Count);

        book = Fold(book, [Started("s", null, second, changed, "j2") with { RunFolder = "/out/runs/r2" }, new ScheduleRunFinished("s", "j2", T0, JobPhase.Complete, ["B", "D"], 0)]);
        Assert.Empty(book.Changed("s", second, force: false));
        Assert.Equal("/out/runs/r1", book.Schedules["s"].Committed["A"].RunFolder);
        Assert.Equal("/out/runs/r2", book.Schedules["s"].Committed["B"].RunFolder);
    }

    [Fact]
    public void A_finish_of_another_job_than_the_running_one_changes_nothing()
    {
        var genes = new[] { G("A", "1") };
        var book = With("s", "0 2 * * *", T0).Apply(Started("s", null, genes, genes, "j2"));

        var after = book.Apply(new ScheduleRunFinished("s", "j1", T0, JobPhase.Complete, ["A"], 0));

        Assert.Equal("j2", after.Schedules["s"].Running!.JobId);
        Assert.Empty(after.Schedules["s"].Committed);
    }

    [Fact]
    public void Events_and_snapshots_survive_the_serializer_and_rebuild_the_same_state()
    {
        using var system = ActorSystem.Create("schedule-serialization");
        var serializer = new ExPectoSerializer((ExtendedActorSystem)system);
        var genes = new[] { G("A", "1"), G("B", "2") };
        IScheduleEvent[] events =
        [
            new ScheduleAdded("s", "0 2 * * *", "spec.json", "{}", T0),
            Started("s", T0.AddDays(1), genes, genes),
            new ScheduleRunFinished("s", "j1", T0, JobPhase.Partial, ["A"], 1),
            new ScheduleOccurrenceSkipped("s", T0.AddDays(2), "j1"),
            new ScheduleRunUpToDate("s", T0.AddDays(3), T0, 2),
            new ScheduleRunFailed("s", T0.AddDays(4), T0, "genome missing"),
        ];
        var roundTripped = events.Select(e => (IScheduleEvent)RoundTrip(serializer, e)).ToList();
        var book = Fold(ScheduleBook.Empty, events);
        var rebuilt = Fold(ScheduleBook.Empty, roundTripped);
        var fromSnapshot = ScheduleBook.FromSnapshot((ScheduleBookSnapshot)RoundTrip(serializer, book.ToSnapshot()));

        foreach (var b in new[] { rebuilt, fromSnapshot })
        {
            var s = b.Schedules["s"];
            Assert.Equal(book.Schedules["s"].Cursor, s.Cursor);
            Assert.Equal(book.Schedules["s"].LastOutcome, s.LastOutcome);
            Assert.Equal("1", s.Committed["A"].Digest);
            Assert.False(s.Committed.ContainsKey("B"));
        }
        Assert.Equal(T0.AddDays(4), book.Schedules["s"].Cursor);
    }

    private static object RoundTrip(ExPectoSerializer serializer, object message) =>
        serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
}
