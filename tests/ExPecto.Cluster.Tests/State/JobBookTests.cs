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
}
