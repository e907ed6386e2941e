using System.Text.Json;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using ExPecto.Protocol.State;
using ExPecto.Protocol;

namespace ExPecto.Cluster.Tests.State;

/// <summary>Operator controls on a job (pause, resume, cancel, retry failed) and the gene reset, as pure state.</summary>
public sealed class JobControlTests
{
    private static readonly JobSpec Spec = new("g", "a", "w", "m", "/out", 10, 0.3, "fake", 4);
    private static readonly InputDigests Digests = new("1", "2", "3", "4", [new ModelDigest("Liver.model", "5")]);
    private static readonly GeneRef[] Genes = [new("G1", "chr1"), new("G2", "chr2"), new("G3", "chr3")];
    private static readonly GeneOutcome Outcome = new(5, 1, ["f"], "abc");

    private static JobBook Run(JobBook b, object command)
    {
        var events = b.Decide(command);
        foreach (var e in events) b = b.Apply(e);
        return b;
    }

    private static JobBook Submitted() => Run(JobBook.Empty, new SubmitJob("j1", Spec, Digests, Genes));

    private static JobBook Settle(JobBook b, string gene, bool ok) =>
        Run(b, new GeneSettled("j1", new GeneResult(gene, "chrX", 3, ok ? Outcome : null, ok ? null : "boom")));

    [Fact]
    public void Pause_stops_leasing_and_resume_restores_it()
    {
        var paused = Run(Submitted(), new ControlJob("j1", JobControl.Pause));
        Assert.Equal(JobPhase.Paused, paused.Jobs["j1"].Phase);
        Assert.False(paused.Jobs["j1"].Leasable);
        Assert.Equal("job j1 is already paused", paused.Refusal(new ControlJob("j1", JobControl.Pause)));

        var resumed = Run(paused, new ControlJob("j1", JobControl.Resume));
        Assert.Equal(JobPhase.Running, resumed.Jobs["j1"].Phase);
        Assert.True(resumed.Jobs["j1"].Leasable);
        Assert.Contains("not paused", resumed.Refusal(new ControlJob("j1", JobControl.Resume)));
    }

    [Fact]
    public void Controls_on_an_unknown_job_are_refused_without_events()
    {
        var book = Submitted();
        Assert.Empty(book.Decide(new ControlJob("nope", JobControl.Pause)));
        Assert.Equal("unknown job 'nope'", book.Refusal(new ControlJob("nope", JobControl.Cancel)));
    }

    [Fact]
    public void A_cancelled_job_finishes_with_unsettled_genes_as_cancelled_and_is_never_complete()
    {
        var book = Settle(Submitted(), "G1", ok: true);
        book = Run(book, new ControlJob("j1", JobControl.Cancel));
        Assert.Equal(JobPhase.Cancelling, book.Jobs["j1"].Phase);
        Assert.True(book.Jobs["j1"].Finishable);
        Assert.NotNull(book.Refusal(new ControlJob("j1", JobControl.Resume)));

        var finished = book.Jobs["j1"].ToFinished();
        Assert.True(finished.Cancelled);
        Assert.False(finished.IsComplete);
        Assert.Equal(["G1", "G2", "G3"], finished.Genes.Select(g => g.GeneId));
        Assert.Equal(FinishedJob.CancelledError, finished.Genes.Single(g => g.GeneId == "G2").Error);

        // Even a finalizer that reports "complete" cannot make a cancelled job complete.
        book = Run(book, new FinishJob("j1", Complete: true, []));
        Assert.Equal(JobPhase.Cancelled, book.Jobs["j1"].Phase);
        Assert.False(book.Jobs["j1"].Finished!.Complete);
        Assert.NotNull(book.Refusal(new ControlJob("j1", JobControl.Cancel)));
    }

    [Fact]
    public void The_manifest_of_a_cancelled_job_says_cancelled()
    {
        var book = Run(Settle(Submitted(), "G1", ok: true), new ControlJob("j1", JobControl.Cancel));
        using var doc = JsonDocument.Parse(JobManifest.Render(book.Jobs["j1"].ToFinished(), []));
        Assert.Equal("cancelled", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("committed").GetInt32());
    }

    [Fact]
    public void Retry_failed_reopens_a_partial_job_with_only_its_failed_genes()
    {
        var book = Settle(Settle(Settle(Submitted(), "G1", ok: true), "G2", ok: false), "G3", ok: false);
        book = Run(book, new FinishJob("j1", false, []));
        Assert.Equal(JobPhase.Partial, book.Jobs["j1"].Phase);

        var events = book.Decide(new ControlJob("j1", JobControl.RetryFailed));
        var reopened = Assert.IsType<JobReopened>(Assert.Single(events));
        Assert.Equal(new[] { "G2", "G3" }, reopened.GeneIds);
        Assert.Equal(1, reopened.Round);

        book = book.Apply(reopened);
        Assert.Equal(JobPhase.Running, book.Jobs["j1"].Phase);
        Assert.Null(book.Jobs["j1"].Finished);
        Assert.Equal(["G2", "G3"], book.Jobs["j1"].Unsettled.Select(g => g.GeneId));
        Assert.Equal("job j1 has no failed genes", book.Refusal(new ControlJob("j1", JobControl.RetryFailed)));

        // The retried genes settle again, and the job finishes again.
        book = Settle(Settle(book, "G2", ok: true), "G3", ok: true);
        book = Run(book, new FinishJob("j1", true, []));
        Assert.Equal(JobPhase.Complete, book.Jobs["j1"].Phase);
        Assert.True(book.Jobs["j1"].ToFinished().IsComplete);
    }

    [Fact]
    public void A_snapshot_keeps_pause_cancel_and_the_retry_round()
    {
        var book = Settle(Submitted(), "G1", ok: false);
        book = Run(book, new ControlJob("j1", JobControl.RetryFailed));
        book = Run(book, new ControlJob("j1", JobControl.Pause));
        var again = JobBook.FromSnapshot(book.ToSnapshot());
        Assert.True(again.Jobs["j1"].Paused);
        Assert.Equal(1, again.Jobs["j1"].Round);
        Assert.Equal(JobPhase.Paused, again.Jobs["j1"].Phase);

        var cancelled = JobBook.FromSnapshot(Run(book, new ControlJob("j1", JobControl.Cancel)).ToSnapshot());
        Assert.Equal(JobPhase.Cancelling, cancelled.Jobs["j1"].Phase);
    }

    [Fact]
    public void A_failed_gene_resets_once_per_round_with_fresh_attempts()
    {
        var item = new GeneWorkItem("j1", "G1", "chr1", Spec);
        var s = GeneState.Initial("j1", "G1");
        for (int attempt = 1; attempt <= 2; attempt++)
        {
            foreach (var e in s.Decide(new LeaseGene("j1", "G1", item, "w1", Akka.Actor.ActorRefs.Nobody, TimeSpan.FromSeconds(10)), 0, 2)) s = s.Apply(e);
            foreach (var e in s.Decide(new FailGene("j1", "G1", attempt, "w1", "boom"), 0, 2)) s = s.Apply(e);
        }
        foreach (var e in s.Decide(new SettlementRecorded("j1", "G1"), 0, 2)) s = s.Apply(e);
        Assert.Equal(GenePhase.Failed, s.Phase);

        var reset = Assert.IsType<GeneReset>(Assert.Single(s.Decide(new ResetGene("j1", "G1", 1), 0, 2)));
        s = s.Apply(reset);
        Assert.Equal(GenePhase.Pending, s.Phase);
        Assert.Equal(0, s.Attempt);
        Assert.False(s.SettlementAcknowledged);
        Assert.Empty(s.Decide(new ResetGene("j1", "G1", 1), 0, 2)); // the same round again: nothing
        Assert.Single(s.Decide(new LeaseGene("j1", "G1", item, "w1", Akka.Actor.ActorRefs.Nobody, TimeSpan.FromSeconds(10)), 0, 2));
    }

    [Fact]
    public void A_committed_gene_ignores_a_reset()
    {
        var s = GeneState.Initial("j1", "G1").Apply(new GeneCommitted(1, "w1", Outcome));
        Assert.Empty(s.Decide(new ResetGene("j1", "G1", 5), 0, 3));
    }
}
