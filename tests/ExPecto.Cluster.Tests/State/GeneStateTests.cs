using Akka.Actor;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using ExPecto.Protocol.State;

namespace ExPecto.Cluster.Tests.State;

public sealed class GeneStateTests
{
    private static readonly JobSpec Spec = new("g", "a", "w", "m", "/out", 10, 0.3, "fake", 4);
    private static readonly GeneWorkItem Item = new("j1", "G1", "chr1", Spec);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);
    private static readonly GeneOutcome Outcome = new(5, 1, ["effects/chr1/G1.tsv"], "abc");

    private static LeaseGene LeaseTo(string worker) => new("j1", "G1", Item, worker, ActorRefs.Nobody, Lease);

    private static GeneState Run(GeneState s, object command, long now, int max = 3)
    {
        foreach (var e in s.Decide(command, now, max)) s = s.Apply(e);
        return s;
    }

    [Fact]
    public void Leasing_a_pending_gene_starts_attempt_one_with_an_expiry()
    {
        var events = GeneState.Initial("j1", "G1").Decide(LeaseTo("w1"), 1_000, 3);
        var leased = Assert.IsType<GeneLeased>(Assert.Single(events));
        Assert.Equal(new GeneLeased("chr1", "w1", 1, 11_000), leased);
    }

    [Fact]
    public void A_live_lease_is_not_granted_twice()
    {
        var s = Run(GeneState.Initial("j1", "G1"), LeaseTo("w1"), 0);
        Assert.Empty(s.Decide(LeaseTo("w2"), 5_000, 3));
        Assert.Contains("w1", s.DeclineReason);
    }

    [Fact]
    public void An_expired_lease_is_ended_and_reissued_under_the_next_attempt()
    {
        var s = Run(GeneState.Initial("j1", "G1"), LeaseTo("w1"), 0);
        var events = s.Decide(LeaseTo("w2"), 10_000, 3);
        Assert.Collection(events,
            e => Assert.Equal(new GeneLeaseEnded(1, "lease expired"), e),
            e => Assert.Equal(new GeneLeased("chr1", "w2", 2, 20_000), e));
    }

    [Fact]
    public void Renewal_by_the_holder_moves_the_expiry_and_by_others_changes_nothing()
    {
        var s = Run(GeneState.Initial("j1", "G1"), LeaseTo("w1"), 0);
        Assert.Empty(s.Decide(new RenewLease("j1", "G1", 1, "w2", Lease), 5_000, 3));
        Assert.Empty(s.Decide(new RenewLease("j1", "G1", 2, "w1", Lease), 5_000, 3));
        s = Run(s, new RenewLease("j1", "G1", 1, "w1", Lease), 5_000);
        Assert.Equal(15_000, s.ExpiresAtMs);
        Assert.Empty(s.Decide(new CheckLease(1), 12_000, 3));
    }

    [Fact]
    public void First_completion_commits_and_later_ones_are_duplicates()
    {
        var s = Run(GeneState.Initial("j1", "G1"), LeaseTo("w1"), 0);
        s = Run(s, new CompleteGene("j1", "G1", 1, "w1", Outcome), 1_000);
        Assert.Equal(GenePhase.Committed, s.Phase);
        Assert.Equal(Outcome, s.Result!.Outcome);
        Assert.Empty(s.Decide(new CompleteGene("j1", "G1", 1, "w1", Outcome), 2_000, 3));
        Assert.Empty(s.Decide(new CompleteGene("j1", "G1", 2, "w2", Outcome), 2_000, 3));
        Assert.Empty(s.Decide(LeaseTo("w2"), 99_000, 3));
    }

    [Fact]
    public void A_completion_from_a_superseded_attempt_still_commits()
    {
        var s = Run(GeneState.Initial("j1", "G1"), LeaseTo("w1"), 0);
        s = Run(s, LeaseTo("w2"), 10_000); // w1's lease expired, w2 holds attempt 2
        s = Run(s, new CompleteGene("j1", "G1", 1, "w1", Outcome), 11_000);
        Assert.Equal(GenePhase.Committed, s.Phase);
        Assert.Equal(2, s.Attempt);
    }

    [Fact]
    public void A_gene_failing_max_attempts_times_fails_with_its_last_error()
    {
        var s = GeneState.Initial("j1", "G1");
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            s = Run(s, LeaseTo("w" + attempt), attempt * 100);
            Assert.Equal(attempt, s.Attempt);
            s = Run(s, new FailGene("j1", "G1", attempt, "w" + attempt, "boom " + attempt), attempt * 100 + 1);
        }
        Assert.Equal(GenePhase.Failed, s.Phase);
        Assert.Equal(new GeneResult("G1", "chr1", 3, null, "boom 3"), s.Result);
        Assert.Empty(s.Decide(LeaseTo("w9"), 1_000, 3));
    }

    [Fact]
    public void A_lease_handed_back_unstarted_is_pending_again_without_using_up_an_attempt()
    {
        // One attempt allowed: handed back three times, the gene is still leased again, then a real failure fails it.
        var s = GeneState.Initial("j1", "G1");
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            s = Run(s, LeaseTo("w" + attempt), attempt * 100, max: 1);
            Assert.Equal(GenePhase.Leased, s.Phase);
            Assert.Equal(attempt, s.Attempt); // lease numbers still only grow: a stale message of an old lease never matches
            var back = s.Decide(new HandBackGene("j1", "G1", attempt, "w" + attempt, "device stuck"), attempt * 100 + 1, 1);
            Assert.Equal([new GeneHandedBack(attempt, "device stuck")], back);
            s = Run(s, new HandBackGene("j1", "G1", attempt, "w" + attempt, "device stuck"), attempt * 100 + 1, max: 1);
            Assert.Equal(GenePhase.Pending, s.Phase);
            Assert.Equal(0, s.AttemptsUsed);
        }
        s = Run(s, LeaseTo("w4"), 1_000, max: 1);
        s = Run(s, new FailGene("j1", "G1", 4, "w4", "boom"), 1_001, max: 1);
        Assert.Equal(GenePhase.Failed, s.Phase);
        Assert.Equal("boom", s.LastError);
    }

    [Fact]
    public void A_hand_back_of_another_workers_or_an_older_lease_changes_nothing()
    {
        var s = Run(GeneState.Initial("j1", "G1"), LeaseTo("w1"), 0);
        Assert.Empty(s.Decide(new HandBackGene("j1", "G1", 1, "w2", "stuck"), 1, 3));
        Assert.Empty(s.Decide(new HandBackGene("j1", "G1", 0, "w1", "stuck"), 1, 3));
        s = Run(s, new CompleteGene("j1", "G1", 1, "w1", Outcome), 1);
        Assert.Empty(s.Decide(new HandBackGene("j1", "G1", 1, "w1", "stuck"), 2, 3));
        Assert.Equal(GenePhase.Committed, s.Phase);
    }

    [Fact]
    public void Revocation_ends_only_the_named_workers_lease()
    {
        var s = Run(GeneState.Initial("j1", "G1"), LeaseTo("w1"), 0);
        Assert.Empty(s.Decide(new RevokeLease("j1", "G1", "w2", "gone"), 1, 3));
        s = Run(s, new RevokeLease("j1", "G1", "w1", "worker w1 left"), 1);
        Assert.Equal(GenePhase.Pending, s.Phase);
        Assert.Equal(1, s.Attempt);
        Assert.Equal("worker w1 left", s.LastError);
    }

    [Fact]
    public void The_lease_timer_ends_an_unrenewed_lease_but_not_a_renewed_or_newer_one()
    {
        var s = Run(GeneState.Initial("j1", "G1"), LeaseTo("w1"), 0);
        Assert.Empty(s.Decide(new CheckLease(1), 9_999, 3));
        Assert.Empty(s.Decide(new CheckLease(0), 20_000, 3));
        s = Run(s, new CheckLease(1), 10_000);
        Assert.Equal(GenePhase.Pending, s.Phase);
    }

    [Fact]
    public void The_recorded_settlement_is_no_event_but_an_old_journals_acknowledgement_still_folds()
    {
        var s = Run(GeneState.Initial("j1", "G1"), LeaseTo("w1"), 0);
        Assert.Empty(s.Decide(new SettlementRecorded("j1", "G1"), 1, 3));
        s = Run(s, new CompleteGene("j1", "G1", 1, "w1", Outcome), 1);
        Assert.Empty(s.Decide(new SettlementRecorded("j1", "G1"), 2, 3));
        Assert.True(s.Apply(new GeneSettlementAcknowledged()).SettlementAcknowledged);
    }

    [Fact]
    public void A_gene_never_leased_commits_nothing_but_one_leased_after_a_reset_or_a_deleted_journal_does()
    {
        var late = new CompleteGene("j1", "G1", 3, "w1", Outcome);
        // An empty journal (deleted with its finished job): a late completion must not settle it again.
        Assert.Empty(GeneState.Initial("j1", "G1").Decide(late, 0, 3));
        // Leased (again) after the deletion: its completion commits, whatever attempt it names.
        var leased = Run(GeneState.Initial("j1", "G1"), LeaseTo("w1"), 0);
        Assert.IsType<GeneCommitted>(Assert.Single(leased.Decide(late, 1, 3)));
        // Reset for a retry round and not leased yet: still one that was leased before, as until now.
        var reset = GeneState.Initial("j1", "G1") with { Phase = GenePhase.Failed, Attempt = 3 };
        reset = reset.Apply(new GeneReset(1));
        Assert.IsType<GeneCommitted>(Assert.Single(reset.Decide(late, 1, 3)));
    }
}
