using Akka.Actor;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using ExPecto.Protocol.State;

namespace ExPecto.Cluster.Tests.State;

/// <summary>The job manager's dispatch decisions, without an actor: queue, credits, owners, orphans, parking, wake times.</summary>
public sealed class DispatcherTests
{
    private static readonly JobSpec Spec = new("g", "a", "w", "m", "/out", 10, 0.3, "fake", 4);
    private static readonly InputDigests Digests = new("1", "2", "3", "4", []);
    private static readonly GeneOutcome Outcome = new(5, 1, ["f"], "abc");
    private static readonly DispatchSettings Settings = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
    private const long T0 = 1_000_000;

    /// <summary>A book and a dispatcher driven together the way the job manager drives them.</summary>
    private sealed class Harness
    {
        public JobBook Book { get; set; } = JobBook.Empty;
        public DispatchState State { get; private set; } = DispatchState.Start(Settings, T0);
        public long Now { get; set; } = T0;

        /// <summary>Feeds an input; returns the events, after checking Step agrees with folding them with Apply.</summary>
        public IReadOnlyList<IDispatchEvent> Feed(object input)
        {
            var (next, events) = State.Step(input, Book, Now);
            var folded = events.Aggregate(State, (s, e) => s.Apply(e));
            Assert.Equal(Describe(folded), Describe(next));
            State = next;
            return events;
        }

        /// <summary>Persists a job command's events into the book and feeds each to the dispatcher.</summary>
        public List<IDispatchEvent> Job(object command)
        {
            var all = new List<IDispatchEvent>();
            foreach (var e in Book.Decide(command))
            {
                Book = Book.Apply(e);
                all.AddRange(Feed(e));
            }
            return all;
        }

        public IReadOnlyList<IDispatchEvent> Settle(string job, string gene, bool ok = true)
        {
            var settled = new GeneSettled(job, new GeneResult(gene, "chr1", 1, ok ? Outcome : null, ok ? null : "boom"));
            foreach (var e in Book.Decide(settled)) Book = Book.Apply(e);
            return Feed(settled);
        }

        public IReadOnlyList<IDispatchEvent> Register(string worker, int capacity, params HeldGene[] holding) =>
            Feed(new RegisterWorker(worker, ActorRefs.Nobody, capacity, holding));

        private static string Describe(DispatchState s) => string.Join(";",
            string.Join(",", s.Ready.Select(k => k.JobId + "/" + k.GeneId)),
            string.Join(",", s.Queued.Select(k => k.JobId + "/" + k.GeneId).Order()),
            string.Join(",", s.Owner.Select(kv => $"{kv.Key.JobId}/{kv.Key.GeneId}={kv.Value}").Order()),
            string.Join(",", s.Workers.Select(kv => $"{kv.Key}:{kv.Value.Capacity}:{string.Join("+", kv.Value.Outstanding.Select(k => k.GeneId).Order())}").Order()),
            string.Join(",", s.WorkerOrder), s.NextWorker,
            string.Join(",", s.QuietSinceMs.Select(kv => $"{kv.Key.GeneId}@{kv.Value}").Order()),
            string.Join(",", s.Orphans.Select(kv => $"{kv.Key.GeneId}={kv.Value}").Order()),
            string.Join(",", s.Parked.Select(kv => kv.Key + ":" + string.Join("+", kv.Value.Order()))));
    }

    private static SubmitJob Submit(string job, params string[] genes) =>
        new(job, Spec, Digests, genes.Select(g => new GeneRef(g, "chr1")).ToList());

    private static List<(string Gene, string Worker)> Leases(IEnumerable<IDispatchEvent> events) =>
        events.OfType<LeaseRequested>().Select(l => (l.GeneId, l.WorkerId)).ToList();

    [Fact]
    public void Nothing_is_leased_without_a_worker_and_a_worker_gets_at_most_its_credit_in_submission_order()
    {
        var h = new Harness();
        Assert.Empty(Leases(h.Job(Submit("j1", "G1", "G2", "G3"))));
        Assert.Equal(3, h.State.QueuedCount);
        Assert.Equal([("G1", "w1"), ("G2", "w1")], Leases(h.Register("w1", 2)));
        Assert.Empty(Leases(h.Register("w1", 2))); // a heartbeat changes nothing
        Assert.Equal(2, h.State.OutstandingAt("w1"));
        Assert.Equal(2, h.State.LeasedOf("j1"));
        // A settlement returns a credit and the next gene goes out.
        Assert.Equal([("G3", "w1")], Leases(h.Settle("j1", "G1")));
        Assert.Equal(0, h.State.QueuedCount);
    }

    [Fact]
    public void Credits_go_round_robin_over_workers_and_a_raised_capacity_takes_more()
    {
        var h = new Harness();
        h.Job(Submit("j1", "G1", "G2", "G3", "G4", "G5"));
        Assert.Equal([("G1", "w1")], Leases(h.Register("w1", 1)));
        Assert.Equal([("G2", "w2")], Leases(h.Register("w2", 1)));
        Assert.Equal([("G3", "w1"), ("G4", "w1")], Leases(h.Register("w1", 3)));
        h.Settle("j1", "G2");
        Assert.Equal("w2", h.State.Owner[("j1", "G5")]);
    }

    [Fact]
    public void A_declined_lease_returns_its_credit_and_a_pending_gene_queues_at_the_back()
    {
        var h = new Harness();
        h.Job(Submit("j1", "G1", "G2"));
        h.Register("w1", 1);
        // Declined: leased elsewhere (the holder is known), so the gene is not queued again; the credit goes to G2.
        h.Register("w2", 0);
        var declined = h.Feed(new LeaseDeclined("j1", "G1", "w1", "leased to w2", "w2"));
        Assert.Equal([("G2", "w1")], Leases(declined));
        Assert.Empty(h.State.Orphans);
        // The lease of G1 ended elsewhere: G1 is pending again and waits for a credit.
        Assert.Empty(Leases(h.Feed(new GeneReady("j1", "G1"))));
        Assert.Equal([("G1", "w1")], Leases(h.Settle("j1", "G2")));
    }

    [Fact]
    public void A_stale_heartbeat_listing_a_settled_gene_does_not_use_a_credit_and_held_genes_are_adopted()
    {
        var h = new Harness();
        h.Job(Submit("j1", "G1", "G2", "G3"));
        h.Settle("j1", "G1");
        // After a restart the worker says it holds G1 (settled already) and G2: only G2 counts, and G3 is leased.
        var events = h.Register("w1", 2, new HeldGene("j1", "G1", 1), new HeldGene("j1", "G2", 1));
        Assert.Equal([("G3", "w1")], Leases(events));
        Assert.Contains(new LeaseAdopted("j1", "G2", "w1", T0), events);
        Assert.False(h.State.Owner.ContainsKey(("j1", "G1")));
        // G2's old queue entry is stale now: nothing more to lease when a credit frees.
        Assert.Empty(Leases(h.Settle("j1", "G3")));
        Assert.Equal(0, h.State.QueuedCount);
    }

    [Fact]
    public void A_gene_another_worker_holds_is_not_adopted_twice()
    {
        var h = new Harness();
        h.Job(Submit("j1", "G1"));
        h.Register("w1", 1);
        h.Register("w2", 1, new HeldGene("j1", "G1", 1));
        Assert.Equal("w1", h.State.Owner[("j1", "G1")]);
        Assert.Equal(0, h.State.OutstandingAt("w2"));
    }

    [Fact]
    public void A_worker_that_leaves_has_its_leases_revoked_and_its_genes_come_back_through_the_entities()
    {
        var h = new Harness();
        h.Job(Submit("j1", "G1", "G2", "G3"));
        h.Register("w1", 2);
        var gone = h.Feed(new DispatchWorkerGone("w1"));
        Assert.Equal(["G1", "G2"], gone.OfType<LeaseRevoked>().Select(r => r.GeneId));
        Assert.All(gone.OfType<LeaseRevoked>(), r => Assert.Equal("w1", r.WorkerId));
        Assert.Empty(h.State.Owner);
        Assert.Empty(h.State.Workers);
        // A lease accepted by an entity after its worker left is revoked at once.
        Assert.Equal([new LeaseRevoked("j1", "G9", "w1", "worker w1 left")], h.Feed(new LeaseAccepted("j1", "G9", "w1", 1)));
        Assert.Equal([("G3", "w2")], Leases(h.Register("w2", 3)));
        Assert.Empty(h.Feed(new LeaseAccepted("j1", "G3", "w2", 1)));
        Assert.Equal([("G1", "w2")], Leases(h.Feed(new GeneReady("j1", "G1"))));
    }

    [Fact]
    public void An_orphaned_lease_is_revoked_after_the_grace_unless_its_holder_registers()
    {
        var h = new Harness();
        h.Job(Submit("j1", "G1", "G2"));
        h.Register("w1", 2);
        // After a restart: the entities say G1 and G2 are leased to workers of the previous incarnation.
        h.Feed(new LeaseDeclined("j1", "G1", "w1", "leased", "old-a"));
        h.Feed(new LeaseDeclined("j1", "G2", "w1", "leased", "old-b"));
        Assert.Equal(2, h.State.Orphans.Count);
        h.Now = T0 + 5_000;
        Assert.Empty(h.Feed(new DispatchTick()).OfType<LeaseRevoked>()); // within the grace
        h.Register("old-b", 1, new HeldGene("j1", "G2", 1)); // came back, holding its gene
        h.Now = T0 + 10_000;
        var tick = h.Feed(new DispatchTick());
        Assert.Equal([new LeaseRevoked("j1", "G1", "old-a", "holder old-a did not come back")], tick.OfType<LeaseRevoked>());
        Assert.Empty(h.State.Orphans);
        Assert.Equal("old-b", h.State.Owner[("j1", "G2")]);
    }

    [Fact]
    public void Outstanding_genes_are_woken_every_third_of_a_lease_and_a_settled_owner_is_released_by_the_tick()
    {
        var h = new Harness();
        h.Job(Submit("j1", "G1", "G2"));
        h.Register("w1", 2);
        h.Now = T0 + 9_999;
        Assert.Empty(h.Feed(new DispatchTick()).OfType<GeneWoken>());
        h.Now = T0 + 10_000;
        Assert.Equal(["G1", "G2"], h.Feed(new DispatchTick()).OfType<GeneWoken>().Select(w => w.GeneId).Order());
        h.Now = T0 + 15_000;
        Assert.Empty(h.Feed(new DispatchTick()).OfType<GeneWoken>()); // woken 5 s ago
        // G1 settled in the book while its settlement message was lost to the dispatcher: the tick returns the credit.
        foreach (var e in h.Book.Decide(new GeneSettled("j1", new GeneResult("G1", "chr1", 1, Outcome, null)))) h.Book = h.Book.Apply(e);
        var tick = h.Feed(new DispatchTick());
        Assert.Contains(new CreditReturned("j1", "G1"), tick);
        Assert.Equal(1, h.State.OutstandingAt("w1"));
    }

    [Fact]
    public void A_paused_job_parks_its_genes_other_jobs_still_run_and_resume_queues_them_again()
    {
        var h = new Harness();
        h.Job(Submit("j1", "A1", "A2", "A3"));
        h.Job(Submit("j2", "B1"));
        h.Register("w1", 1);
        h.Job(new ControlJob("j1", JobControl.Pause));
        // A1 was leased before the pause and runs to its end; A2, A3 are parked as dispatch reaches them.
        var settled = h.Settle("j1", "A1");
        Assert.Equal([("B1", "w1")], Leases(settled));
        Assert.Equal(["A2", "A3"], h.State.Parked["j1"].Order());
        Assert.Empty(Leases(h.Settle("j2", "B1")));
        var resumed = h.Job(new ControlJob("j1", JobControl.Resume));
        Assert.Contains(new ParkedReleased("j1"), resumed);
        Assert.Equal([("A2", "w1")], Leases(resumed));
        Assert.Empty(h.State.Parked);
    }

    [Fact]
    public void Cancel_revokes_the_leases_in_flight_drops_parked_and_queued_genes()
    {
        var h = new Harness();
        h.Job(Submit("j1", "G1", "G2", "G3", "G4"));
        h.Register("w1", 2);
        h.Job(new ControlJob("j1", JobControl.Pause));
        h.Settle("j1", "G1"); // with a credit free, dispatch reaches G3 and G4 and parks them
        Assert.Equal(["G3", "G4"], h.State.Parked["j1"].Order());
        var cancelled = h.Job(new ControlJob("j1", JobControl.Cancel));
        Assert.Equal([new LeaseRevoked("j1", "G2", "w1", "job j1 cancelled")], cancelled.OfType<LeaseRevoked>());
        Assert.Contains(new ParkedReleased("j1"), cancelled);
        Assert.Empty(Leases(cancelled));
        Assert.Equal(0, h.State.LeasedOf("j1"));
        Assert.Empty(Leases(h.Feed(new GeneReady("j1", "G2")))); // a cancelled job's gene is not queued again
    }

    [Fact]
    public void A_retry_round_queues_the_failed_genes_and_their_leases_carry_the_round()
    {
        var h = new Harness();
        h.Job(Submit("j1", "G1", "G2"));
        h.Register("w1", 2);
        h.Settle("j1", "G1", ok: false);
        h.Settle("j1", "G2");
        var retried = h.Job(new ControlJob("j1", JobControl.RetryFailed));
        Assert.Equal([new LeaseRequested("j1", "G1", "w1", 1, T0)], retried.OfType<LeaseRequested>());
    }

    [Fact]
    public void Recovery_queues_every_unsettled_gene_of_unfinished_jobs_and_unknown_genes_are_never_queued()
    {
        var h = new Harness();
        h.Job(Submit("j1", "G1", "G2"));
        h.Job(Submit("j2", "H1"));
        h.Settle("j1", "G1");
        h.Settle("j2", "H1");
        h.Job(new FinishJob("j2", true, []));
        var fresh = new Harness { Book = h.Book }; // a restarted job manager: the book recovered, no dispatch state
        Assert.Equal([new GeneQueued("j1", "G2")], fresh.Feed(new DispatchRecovered()));
        Assert.Empty(fresh.Feed(new GeneReady("j1", "G9")));
        Assert.Empty(fresh.Feed(new GeneReady("j9", "G1")));
        Assert.Equal(1, fresh.State.QueuedCount);
    }

    [Fact]
    public void A_gene_queued_twice_is_leased_once()
    {
        var h = new Harness();
        h.Job(Submit("j1", "G1", "G2"));
        h.Feed(new GeneReady("j1", "G1")); // already queued: no second entry counts
        Assert.Equal(2, h.State.QueuedCount);
        var leases = Leases(h.Register("w1", 5));
        Assert.Equal([("G1", "w1"), ("G2", "w1")], leases);
    }
}
