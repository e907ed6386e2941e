using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using ExPecto.Protocol.State;
using ExPecto.Protocol;

namespace ExPecto.Cluster.Tests.State;

public sealed class JobBookTests
{
    private static readonly JobSpec Spec = new("g", "a", "w", "m", "/out", 10, 0.3, "fake", 4);
    private static readonly InputDigests Digests = new("1", "2", "3", "4", [new ModelDigest("Liver.model", "5")]);
    private static readonly GeneRef[] Genes = [new("G1", "chr1"), new("G2", "chr2")];
    private static readonly GeneOutcome Outcome = new(5, 1, ["f"], "abc");

    private static JobBook Run(JobBook b, object command)
    {
        foreach (var e in b.Decide(command)) b = b.Apply(e);
        return b;
    }

    private static JobBook Submitted() => Run(JobBook.Empty, new SubmitJob("j1", Spec, Digests, Genes));

    [Fact]
    public void Submitting_the_same_job_twice_records_it_once()
    {
        var book = Submitted();
        Assert.Empty(book.Decide(new SubmitJob("j1", Spec, Digests, Genes)));
        Assert.Equal(["j1"], book.Order);
        Assert.Equal(JobPhase.Running, book.Jobs["j1"].Phase);
    }

    [Fact]
    public void A_gene_settles_once_and_unknown_genes_or_jobs_are_ignored()
    {
        var book = Run(Submitted(), new GeneSettled("j1", new GeneResult("G1", "chr1", 1, Outcome, null)));
        Assert.Empty(book.Decide(new GeneSettled("j1", new GeneResult("G1", "chr1", 2, Outcome, null))));
        Assert.Empty(book.Decide(new GeneSettled("j1", new GeneResult("G9", "chr1", 1, Outcome, null))));
        Assert.Empty(book.Decide(new GeneSettled("j2", new GeneResult("G1", "chr1", 1, Outcome, null))));
        Assert.Equal(1, book.Jobs["j1"].Settled["G1"].Attempts);
        Assert.Equal(["G2"], book.Jobs["j1"].Unsettled.Select(g => g.GeneId));
    }

    [Fact]
    public void Settlements_written_together_are_one_event_per_job_each_gene_once_in_arrival_order()
    {
        var book = Submitted();
        book = Run(book, new SubmitJob("j2", Spec, Digests, Genes));
        book = Run(book, new GeneSettled("j1", new GeneResult("G2", "chr2", 1, Outcome, null)));
        var events = book.DecideSettlements(
        [
            new GeneSettled("j2", new GeneResult("G2", "chr2", 1, Outcome, null)),
            new GeneSettled("j1", new GeneResult("G1", "chr1", 2, null, "boom")),
            new GeneSettled("j1", new GeneResult("G2", "chr2", 2, Outcome, null)), // settled already
            new GeneSettled("j2", new GeneResult("G1", "chr1", 1, Outcome, null)),
            new GeneSettled("j2", new GeneResult("G2", "chr2", 9, Outcome, null)), // second of the same gene
            new GeneSettled("j1", new GeneResult("G9", "chr1", 1, Outcome, null)), // not in the job
            new GeneSettled("j3", new GeneResult("G1", "chr1", 1, Outcome, null)), // unknown job
        ], maxPerEvent: 10);
        Assert.Equal(["j2:G2,G1", "j1:G1"], events.Cast<JobGenesSettled>().Select(e => e.JobId + ":" + string.Join(',', e.Results.Select(r => r.GeneId))));
        foreach (var e in events) book = book.Apply(e);
        Assert.Equal(1, book.Jobs["j2"].Settled["G2"].Attempts);
        Assert.Equal(JobPhase.Finalizing, book.Jobs["j1"].Phase);
        Assert.Equal(1, book.Jobs["j1"].FailedCount);
        Assert.Equal(JobPhase.Finalizing, book.Jobs["j2"].Phase);
        Assert.Equal(2, book.Jobs["j2"].CommittedCount);
        Assert.Empty(book.DecideSettlements([new GeneSettled("j1", new GeneResult("G1", "chr1", 3, Outcome, null))], 10));
    }

    [Fact]
    public void A_batch_of_settlements_is_cut_into_events_of_the_given_size_and_folds_like_single_ones()
    {
        var genes = Enumerable.Range(0, 7).Select(i => new GeneRef($"G{i}", "chr1")).ToArray();
        var book = Run(JobBook.Empty, new SubmitJob("j1", Spec, Digests, genes));
        var settled = genes.Select(g => new GeneSettled("j1", new GeneResult(g.GeneId, "chr1", 1, Outcome, null))).ToList();
        var events = book.DecideSettlements(settled, maxPerEvent: 3);
        Assert.Equal([3, 3, 1], events.Cast<JobGenesSettled>().Select(e => e.Results.Count));
        var batched = events.Aggregate(book, (b, e) => b.Apply(e));
        var single = settled.Aggregate(book, Run);
        Assert.Equal(single.Jobs["j1"].Settled.OrderBy(kv => kv.Key), batched.Jobs["j1"].Settled.OrderBy(kv => kv.Key));
        Assert.Equal(JobPhase.Finalizing, batched.Jobs["j1"].Phase);
        Assert.Throws<ArgumentOutOfRangeException>(() => book.DecideSettlements(settled, 0));
    }

    [Fact]
    public void Counts_kept_with_the_settled_genes_match_a_fresh_count_through_settle_retry_compact_and_snapshot()
    {
        var genes = Enumerable.Range(0, 6).Select(i => new GeneRef($"G{i}", "chr1")).ToArray();
        var book = Run(JobBook.Empty, new SubmitJob("j1", Spec, Digests, genes));
        void Check(JobBook b, int committed, long rows, int failed)
        {
            var job = b.Jobs["j1"];
            var fresh = SettledTally.Of(job.Settled);
            Assert.Equal((committed, rows, failed), (job.CommittedCount - (job.Compaction?.Committed ?? 0), job.Rows - (job.Compaction?.Rows ?? 0), job.FailedCount));
            Assert.Equal((fresh.Committed, fresh.Rows, fresh.Failed.Count), (job.CommittedCount - (job.Compaction?.Committed ?? 0), job.Rows - (job.Compaction?.Rows ?? 0), job.FailedCount));
            Assert.Equal(fresh.Failed.Keys.Order(), job.FailedResults.Select(r => r.GeneId).Order());
        }
        GeneResult Ok(int i) => new($"G{i}", "chr1", 1, new GeneOutcome(10 + i, 0, [], "x"), null);
        GeneResult Bad(int i) => new($"G{i}", "chr1", 3, null, "boom");
        book = book.Apply(new JobGenesSettled("j1", [Ok(0), Ok(1), Bad(2)]));
        Check(book, 2, 21, 1);
        book = book.Apply(new JobGeneSettled("j1", Bad(3)));
        book = book.Apply(new JobGeneSettled("j1", Ok(3))); // an event that replaces a result: old journals may hold one
        Check(book, 3, 34, 1);
        book = book.Apply(new JobGenesSettled("j1", [Bad(4), Ok(5)]));
        Check(book, 4, 49, 2);
        Assert.Equal(["G2", "G4"], ((JobReopened)book.Decide(new ControlJob("j1", JobControl.RetryFailed)).Single()).GeneIds);
        book = Run(book, new FinishJob("j1", false, []));
        book = Run(book, new ControlJob("j1", JobControl.RetryFailed));
        Check(book, 4, 49, 0);
        book = book.Apply(new JobGenesSettled("j1", [Ok(2), Bad(4)]));
        book = Run(book, new FinishJob("j1", false, []));
        book = Run(book, new CompactJob("j1"));
        Check(book, 0, 0, 1);
        Assert.Equal((6, 5, 1, 5L * 10 + 0 + 1 + 2 + 3 + 5), (book.Jobs["j1"].GeneCount, book.Jobs["j1"].CommittedCount, book.Jobs["j1"].FailedCount, book.Jobs["j1"].Rows));
        var again = JobBook.FromSnapshot(book.ToSnapshot());
        Assert.Equal((5, 1, book.Jobs["j1"].Rows), (again.Jobs["j1"].CommittedCount, again.Jobs["j1"].FailedCount, again.Jobs["j1"].Rows));
        // Settled replaced without the helpers: counted afresh, not from a stale tally.
        var bypassed = book.Jobs["j1"] with { Settled = book.Jobs["j1"].Settled.Clear() };
        Assert.Equal((5, 0), (bypassed.CommittedCount, bypassed.FailedCount));
    }

    [Fact]
    public void A_job_finishes_only_after_every_gene_settled_and_only_once()
    {
        var book = Run(Submitted(), new GeneSettled("j1", new GeneResult("G1", "chr1", 1, Outcome, null)));
        Assert.Empty(book.Decide(new FinishJob("j1", true, [])));
        book = Run(book, new GeneSettled("j1", new GeneResult("G2", "chr2", 3, null, "boom")));
        Assert.Equal(JobPhase.Finalizing, book.Jobs["j1"].Phase);
        var finished = book.Jobs["j1"].ToFinished();
        Assert.False(finished.IsComplete);
        book = Run(book, new FinishJob("j1", false, []));
        Assert.Equal(JobPhase.Partial, book.Jobs["j1"].Phase);
        Assert.Empty(book.Decide(new FinishJob("j1", false, [])));
    }

    [Fact]
    public void A_snapshot_rebuilds_the_same_book()
    {
        var book = Run(Submitted(), new GeneSettled("j1", new GeneResult("G2", "chr2", 1, Outcome, null)));
        var again = JobBook.FromSnapshot(book.ToSnapshot());
        Assert.Equal(book.Order, again.Order);
        Assert.Equal(book.Jobs["j1"].Settled.Keys.Order(), again.Jobs["j1"].Settled.Keys.Order());
        Assert.Equal(book.Jobs["j1"].Phase, again.Jobs["j1"].Phase);
    }

    /// <summary>Three genes: G1 and G3 commit (5 rows each), G2 fails; finished partial.</summary>
    private static JobBook FinishedPartial()
    {
        var book = Run(JobBook.Empty, new SubmitJob("j1", Spec, Digests, [new("G1", "chr1"), new("G2", "chr2"), new("G3", "chr3")]));
        book = Run(book, new GeneSettled("j1", new GeneResult("G1", "chr1", 1, Outcome, null)));
        book = Run(book, new GeneSettled("j1", new GeneResult("G2", "chr2", 3, null, "boom")));
        book = Run(book, new GeneSettled("j1", new GeneResult("G3", "chr3", 2, Outcome, null)));
        return Run(book, new FinishJob("j1", false, []));
    }

    private static void AssertSameStatus(JobState expected, JobState actual)
    {
        Assert.Equal(expected.Phase, actual.Phase);
        Assert.Equal(expected.GeneCount, actual.GeneCount);
        Assert.Equal(expected.CommittedCount, actual.CommittedCount);
        Assert.Equal(expected.FailedCount, actual.FailedCount);
        Assert.Equal(expected.Rows, actual.Rows);
        Assert.Equal(expected.Settled.Values.Where(r => r.Outcome is null), actual.Settled.Values.Where(r => r.Outcome is null));
    }

    [Fact]
    public void Only_a_finished_job_compacts_and_only_once_per_finish()
    {
        Assert.Empty(Submitted().Decide(new CompactJob("j1")));
        Assert.Empty(Submitted().Decide(new CompactJob("nope")));
        var book = Run(FinishedPartial(), new CompactJob("j1"));
        Assert.IsType<JobCompacted>(Assert.Single(FinishedPartial().Decide(new CompactJob("j1"))));
        Assert.True(book.Jobs["j1"].Compacted);
        Assert.Empty(book.Decide(new CompactJob("j1")));
        // A replayed duplicate changes nothing.
        Assert.Same(book, book.Apply(new JobCompacted("j1")));
    }

    [Fact]
    public void A_compacted_job_keeps_its_status_and_failed_genes_and_drops_the_committed_ones()
    {
        var before = FinishedPartial().Jobs["j1"];
        var after = Run(FinishedPartial(), new CompactJob("j1")).Jobs["j1"];
        AssertSameStatus(before, after);
        Assert.Equal((3, 2, 2, 10L), (after.GeneCount, after.CommittedCount, before.CommittedCount, after.Rows));
        Assert.Equal(["G2"], after.Genes.Select(g => g.GeneId));
        Assert.Equal(["G2"], after.ChromOf.Keys);
        Assert.Equal(["G2"], after.Settled.Keys);
        Assert.False(after.IsOpen("G1"));
        Assert.False(after.IsOpen("G2"));
        // A late re-announcement of a dropped gene records nothing (and the gene is not open: never leased again).
        var book = Run(FinishedPartial(), new CompactJob("j1"));
        Assert.Empty(book.Decide(new GeneSettled("j1", new GeneResult("G1", "chr1", 1, Outcome, null))));
        // The finalizer cannot be fed from the compacted job alone.
        Assert.Throws<InvalidOperationException>(() => after.ToFinished());
    }

    [Fact]
    public void Retry_failed_after_compaction_reruns_only_the_failed_gene_and_finishes_with_every_result()
    {
        var book = Run(FinishedPartial(), new CompactJob("j1"));
        var retry = Assert.IsType<JobReopened>(Assert.Single(book.Decide(new ControlJob("j1", JobControl.RetryFailed))));
        Assert.Equal(["G2"], retry.GeneIds);
        book = book.Apply(retry);
        var job = book.Jobs["j1"];
        Assert.Equal(JobPhase.Running, job.Phase);
        Assert.False(job.Compacted);
        Assert.Equal(["G2"], job.Unsettled.Select(g => g.GeneId));
        Assert.True(job.IsOpen("G2"));
        Assert.False(job.IsOpen("G1"));
        Assert.Empty(book.Decide(new CompactJob("j1"))); // not finished

        book = Run(book, new GeneSettled("j1", new GeneResult("G2", "chr2", 1, Outcome, null)));
        job = book.Jobs["j1"];
        Assert.True(job.Finishable);
        // The genes compaction dropped come back from the manifest: the finished job lists all three again.
        var fromManifest = new[] { new GeneResult("G1", "chr1", 0, Outcome, null), new GeneResult("G3", "chr3", 0, Outcome, null) };
        var finished = job.ToFinished(fromManifest);
        Assert.Equal(["G1", "G2", "G3"], finished.Genes.Select(g => g.GeneId));
        Assert.True(finished.IsComplete);
        Assert.Throws<InvalidOperationException>(() => job.ToFinished(fromManifest[..1]));

        book = Run(Run(book, new FinishJob("j1", true, [])), new CompactJob("j1"));
        job = book.Jobs["j1"];
        Assert.Equal(JobPhase.Complete, job.Phase);
        Assert.Equal((3, 3, 0, 15L), (job.GeneCount, job.CommittedCount, job.FailedCount, job.Rows));
        Assert.Empty(job.Genes);
        Assert.Equal("job j1 has no failed genes", book.Refusal(new ControlJob("j1", JobControl.RetryFailed)));
    }

    [Fact]
    public void A_cancelled_job_compacts_away_the_genes_it_never_settled()
    {
        var book = Run(JobBook.Empty, new SubmitJob("j1", Spec, Digests, [new("G1", "chr1"), new("G2", "chr2"), new("G3", "chr3")]));
        book = Run(book, new GeneSettled("j1", new GeneResult("G1", "chr1", 1, Outcome, null)));
        book = Run(book, new ControlJob("j1", JobControl.Cancel));
        book = Run(Run(book, new FinishJob("j1", false, [])), new CompactJob("j1"));
        var job = book.Jobs["j1"];
        Assert.Equal(JobPhase.Cancelled, job.Phase);
        Assert.Equal((3, 1, 0), (job.GeneCount, job.CommittedCount, job.FailedCount));
        Assert.Empty(job.Genes);
        Assert.False(job.IsOpen("G2"));
    }

    [Fact]
    public void A_snapshot_of_a_compacted_book_rebuilds_it()
    {
        var book = Run(FinishedPartial(), new CompactJob("j1"));
        var again = JobBook.FromSnapshot(book.ToSnapshot());
        AssertSameStatus(book.Jobs["j1"], again.Jobs["j1"]);
        Assert.Equal(book.Jobs["j1"].Compaction, again.Jobs["j1"].Compaction);
        Assert.True(again.Jobs["j1"].Compacted);
        Assert.Equal(["G2"], again.Jobs["j1"].Genes.Select(g => g.GeneId));
    }
}
