using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using ExPecto.Coordinator.Actors;
using ExPecto.Hosting;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;

namespace ExPecto.Cluster.Tests.Actors;

/// <summary>The gene entity as an actor: persists, replies, times leases out, recovers (in-memory journal).</summary>
public sealed class GeneEntityActorSpecs() : Akka.Hosting.TestKit.TestKit(nameof(GeneEntityActorSpecs))
{
    private static readonly JobSpec Spec = new("g", "a", "w", "m", "/out", 10, 0.3, "fake", 4);
    private static readonly GeneWorkItem Item = new("j1", "G1", "chr1", Spec);
    private static readonly GeneOutcome Outcome = new(5, 1, ["effects/chr1/G1.tsv"], "abc");
    private readonly CoordinatorOptions _options = new() { MaxAttempts = 2, SettlementRetry = TimeSpan.FromMilliseconds(300) };

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.WithInMemoryJournal().WithInMemorySnapshotStore().WithExPectoSerialization();

    private IActorRef Entity(string id, IActorRef jobManager) =>
        Sys.ActorOf(GeneEntityActor.Props(id, () => jobManager, _options));

    [Fact]
    public async Task Grants_a_lease_commits_once_and_remembers_the_commit_after_restart()
    {
        var worker = CreateTestProbe();
        var jm = CreateTestProbe();
        var entity = Entity("j1|G1", jm.Ref);

        entity.Tell(new LeaseGene("j1", "G1", Item, "w1", worker.Ref, TimeSpan.FromSeconds(30)));
        Assert.Equal(new WorkGranted(Item, 1, TimeSpan.FromSeconds(30)), await worker.ExpectMsgAsync<WorkGranted>());
        Assert.Equal(new LeaseAccepted("j1", "G1", "w1", 1), await ExpectMsgAsync<LeaseAccepted>());

        entity.Tell(new CompleteGene("j1", "G1", 1, "w1", Outcome));
        Assert.False((await ExpectMsgAsync<CompletionAcked>()).Duplicate);
        var settled = await jm.ExpectMsgAsync<GeneSettled>();
        Assert.Equal(Outcome, settled.Result.Outcome);

        await WatchAsync(entity);
        Sys.Stop(entity);
        await ExpectTerminatedAsync(entity);

        var again = Entity("j1|G1", jm.Ref);
        again.Tell(new CompleteGene("j1", "G1", 2, "w2", Outcome));
        Assert.True((await ExpectMsgAsync<CompletionAcked>()).Duplicate);
        // Not yet acknowledged by the job manager: the recovered entity announces the settlement again.
        await jm.ExpectMsgAsync<GeneSettled>();
        again.Tell(new LeaseGene("j1", "G1", Item, "w3", worker.Ref, TimeSpan.FromSeconds(30)));
        Assert.Equal("already committed", (await ExpectMsgAsync<LeaseDeclined>()).Reason);
        await worker.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_wake_reports_a_pending_gene_once_rearms_a_lease_and_reannounces_a_settlement()
    {
        var worker = CreateTestProbe();
        var jm = CreateTestProbe();
        var item = Item with { GeneId = "G7" };

        // A fresh entity: its lease request was lost (the job manager still counts the credit).
        var entity = Entity("j1|G7", jm.Ref);
        entity.Tell(new WakeGene("j1", "G7"));
        Assert.Equal(new GeneReady("j1", "G7"), await jm.ExpectMsgAsync<GeneReady>());
        entity.Tell(new WakeGene("j1", "G7"));
        await jm.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300)); // once: a second GeneReady could release the next lease

        // Leased, then the entity stops (as on a journal failure) and comes back through a wake: the recovered lease
        // still expires, exactly once.
        entity.Tell(new LeaseGene("j1", "G7", item, "w1", worker.Ref, TimeSpan.FromMilliseconds(800)));
        await worker.ExpectMsgAsync<WorkGranted>();
        await ExpectMsgAsync<LeaseAccepted>();
        await WatchAsync(entity);
        Sys.Stop(entity);
        await ExpectTerminatedAsync(entity);
        var back = Entity("j1|G7", jm.Ref);
        back.Tell(new WakeGene("j1", "G7"));
        await jm.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300)); // leased: nothing to report yet
        Assert.Equal(new GeneReady("j1", "G7"), await jm.ExpectMsgAsync<GeneReady>(TimeSpan.FromSeconds(3)));
        await jm.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));

        // Settled but not yet recorded: a wake announces the settlement again.
        back.Tell(new CompleteGene("j1", "G7", 1, "w1", Outcome));
        await ExpectMsgAsync<CompletionAcked>();
        await jm.ExpectMsgAsync<GeneSettled>();
        back.Tell(new WakeGene("j1", "G7"));
        Assert.Equal("G7", (await jm.ExpectMsgAsync<GeneSettled>()).Result.GeneId);
    }

    [Fact]
    public async Task An_unrenewed_lease_expires_and_the_gene_is_ready_again_then_fails_after_max_attempts()
    {
        var worker = CreateTestProbe();
        var jm = CreateTestProbe();
        var entity = Entity("j1|G2", jm.Ref);
        var item = Item with { GeneId = "G2" };

        entity.Tell(new LeaseGene("j1", "G2", item, "w1", worker.Ref, TimeSpan.FromMilliseconds(300)));
        await worker.ExpectMsgAsync<WorkGranted>();
        Assert.Equal(new GeneReady("j1", "G2"), await jm.ExpectMsgAsync<GeneReady>(TimeSpan.FromSeconds(3)));

        entity.Tell(new LeaseGene("j1", "G2", item, "w2", worker.Ref, TimeSpan.FromSeconds(30)));
        Assert.Equal(2, (await worker.ExpectMsgAsync<WorkGranted>()).Attempt);
        entity.Tell(new FailGene("j1", "G2", 2, "w2", "out of memory"));
        var settled = await jm.ExpectMsgAsync<GeneSettled>();
        Assert.Null(settled.Result.Outcome);
        Assert.Equal("out of memory", settled.Result.Error);

        entity.Tell(new SettlementRecorded("j1", "G2"));
        await jm.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(600));
    }

    [Fact]
    public async Task A_renewal_for_a_lease_the_worker_no_longer_holds_is_answered_with_lease_lost()
    {
        var worker = CreateTestProbe();
        var entity = Entity("j1|G3", CreateTestProbe().Ref);
        entity.Tell(new RenewLease("j1", "G3", 1, "w1", TimeSpan.FromSeconds(30)));
        Assert.Equal(new LeaseLost("j1", "G3", 1), await ExpectMsgAsync<LeaseLost>());
        await worker.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_hand_back_makes_the_gene_ready_again_and_survives_a_restart_without_using_an_attempt()
    {
        // MaxAttempts = 2: two hand-backs and a restart later the gene is still leased, under attempt 3.
        var worker = CreateTestProbe();
        var jm = CreateTestProbe();
        var item = Item with { GeneId = "G4" };
        var entity = Entity("j1|G4", jm.Ref);
        for (int attempt = 1; attempt <= 2; attempt++)
        {
            entity.Tell(new LeaseGene("j1", "G4", item, "w1", worker.Ref, TimeSpan.FromSeconds(30)));
            Assert.Equal(attempt, (await worker.ExpectMsgAsync<WorkGranted>()).Attempt);
            await ExpectMsgAsync<LeaseAccepted>();
            entity.Tell(new HandBackGene("j1", "G4", attempt, "w1", "device stuck"));
            Assert.Equal(new GeneReady("j1", "G4"), await jm.ExpectMsgAsync<GeneReady>());
        }
        await WatchAsync(entity);
        Sys.Stop(entity);
        await ExpectTerminatedAsync(entity);
        var again = Entity("j1|G4", jm.Ref);
        await jm.ExpectMsgAsync<GeneReady>(); // recovered pending after leases: it says so
        again.Tell(new LeaseGene("j1", "G4", item, "w2", worker.Ref, TimeSpan.FromSeconds(30)));
        Assert.Equal(3, (await worker.ExpectMsgAsync<WorkGranted>()).Attempt);
        again.Tell(new FailGene("j1", "G4", 3, "w2", "out of memory"));
        // The first real failure of two allowed: pending again, not failed.
        Assert.Equal(new GeneReady("j1", "G4"), await jm.ExpectMsgAsync<GeneReady>());
    }
}
