using ExPecto.TestHooks;
using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using ExPecto.Coordinator.Actors;
using ExPecto.Worker.Actors;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;

namespace ExPecto.Cluster.Tests.Actors;

/// <summary>The job manager's credit window and lease revocation, and a device worker's pull loop, against probes.</summary>
public sealed class JobManagerAndWorkerSpecs() : Akka.Hosting.TestKit.TestKit(nameof(JobManagerAndWorkerSpecs))
{
    private static readonly InputDigests Digests = new("1", "2", "3", "4", []);
    private static readonly GeneOutcome Outcome = new(1, 0, [], "x");
    private static JobSpec Spec(string outDir) => new("g", "a", "w", "m", outDir, 10, 0.3, "fake", 4);

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.WithInMemoryJournal().WithInMemorySnapshotStore().WithExPectoSerialization();

    /// <summary>
    /// A settlement returns its credit at once (the next lease goes out) and is acknowledged once durable: the two
    /// messages come in either order.
    /// </summary>
    private static async Task<(SettlementRecorded Recorded, LeaseGene Leased)> RecordedAndLeased(Akka.TestKit.TestProbe genes)
    {
        var two = new List<object> { await genes.ReceiveOneAsync(TimeSpan.FromSeconds(3)), await genes.ReceiveOneAsync(TimeSpan.FromSeconds(3)) };
        return (Assert.Single(two.OfType<SettlementRecorded>()), Assert.Single(two.OfType<LeaseGene>()));
    }

    [Fact]
    public async Task A_worker_never_holds_more_genes_than_its_credit_and_a_settled_gene_frees_one()
    {
        var genes = CreateTestProbe();
        var jm = Sys.ActorOf(JobManagerActor.Props(genes.Ref, new CoordinatorOptions(), new PersistenceOptions(), new NoOpJobFinalizer()));
        jm.Tell(new SubmitJob("j1", Spec("/nonexistent-out"), Digests, [new GeneRef("G1", "chr1"), new GeneRef("G2", "chr1"), new GeneRef("G3", "chr2")]));
        Assert.False((await ExpectMsgAsync<SubmitJobResponse>()).AlreadyKnown);

        var worker = CreateTestProbe();
        jm.Tell(new RegisterWorker("w1", worker.Ref, 2, []));
        var first = await genes.ExpectMsgAsync<LeaseGene>();
        var second = await genes.ExpectMsgAsync<LeaseGene>();
        Assert.Equal(["G1", "G2"], new[] { first.GeneId, second.GeneId });
        await genes.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));

        jm.Tell(new GeneSettled("j1", new GeneResult("G1", "chr1", 1, Outcome, null)), genes.Ref);
        var (recorded, next) = await RecordedAndLeased(genes);
        Assert.Equal(new SettlementRecorded("j1", "G1"), recorded);
        Assert.Equal("G3", next.GeneId);

        jm.Tell(new SubmitJob("j1", Spec("/nonexistent-out"), Digests, []));
        var again = await ExpectMsgAsync<SubmitJobResponse>();
        Assert.True(again.AlreadyKnown);
        Assert.Equal(1, again.Status.Committed);
    }

    [Fact]
    public async Task A_stale_heartbeat_listing_a_settled_gene_does_not_use_up_a_credit()
    {
        var genes = CreateTestProbe();
        var jm = Sys.ActorOf(JobManagerActor.Props(genes.Ref, new CoordinatorOptions(), new PersistenceOptions(), new NoOpJobFinalizer()));
        jm.Tell(new SubmitJob("j3", Spec("/nonexistent-out"), Digests, [new GeneRef("G1", "chr1"), new GeneRef("G2", "chr1")]));
        await ExpectMsgAsync<SubmitJobResponse>();
        var worker = CreateTestProbe();
        jm.Tell(new RegisterWorker("w1", worker.Ref, 1, []));
        Assert.Equal("G1", (await genes.ExpectMsgAsync<LeaseGene>()).GeneId);
        // The heartbeat crosses the settlement: it still lists G1, which the job has already recorded.
        jm.Tell(new GeneSettled("j3", new GeneResult("G1", "chr1", 1, Outcome, null)), genes.Ref);
        Assert.Equal("G2", (await RecordedAndLeased(genes)).Leased.GeneId);
        jm.Tell(new RegisterWorker("w1", worker.Ref, 1, [new HeldGene("j3", "G1", 1), new HeldGene("j3", "G2", 1)]));
        jm.Tell(new GeneSettled("j3", new GeneResult("G2", "chr1", 1, Outcome, null)), genes.Ref);
        await genes.ExpectMsgAsync<SettlementRecorded>();
        jm.Tell(new GetJobStatus("j3"));
        var status = (await ExpectMsgAsync<JobStatusResponse>()).Jobs.Single();
        Assert.Equal(0, status.Leased);
        Assert.Equal(2, status.Committed);
    }

    [Fact]
    public async Task The_leases_of_a_worker_that_dies_are_revoked()
    {
        var genes = CreateTestProbe();
        var jm = Sys.ActorOf(JobManagerActor.Props(genes.Ref, new CoordinatorOptions(), new PersistenceOptions(), new NoOpJobFinalizer()));
        jm.Tell(new SubmitJob("j2", Spec("/nonexistent-out"), Digests, [new GeneRef("G1", "chr1")]));
        await ExpectMsgAsync<SubmitJobResponse>();
        var worker = CreateTestProbe();
        jm.Tell(new RegisterWorker("w1", worker.Ref, 1, []));
        await genes.ExpectMsgAsync<LeaseGene>();

        Sys.Stop(worker.Ref);
        Assert.Equal("w1", (await genes.ExpectMsgAsync<RevokeLease>()).WorkerId);
    }

    [Fact]
    public async Task A_lease_request_lost_with_its_entity_is_found_by_a_wake_and_the_gene_is_leased_again()
    {
        // The gene entity stopped on a journal failure while handling the lease request: no accept, no decline, the
        // worker's credit stays taken. A third of a lease later the job manager wakes the entity; the recovered
        // entity says the gene is pending (GeneReady), and the gene is leased again.
        var genes = CreateTestProbe();
        var options = new CoordinatorOptions { LeaseDuration = TimeSpan.FromMilliseconds(1500), DispatchTick = TimeSpan.FromMilliseconds(100) };
        var jm = Sys.ActorOf(JobManagerActor.Props(genes.Ref, options, new PersistenceOptions(), new NoOpJobFinalizer()));
        jm.Tell(new SubmitJob("j4", Spec("/nonexistent-out"), Digests, [new GeneRef("G1", "chr1"), new GeneRef("G2", "chr1")]));
        await ExpectMsgAsync<SubmitJobResponse>();
        var worker = CreateTestProbe();
        // Taken before the registration that makes the job manager send the lease: the wake is due a third of a lease
        // after that send, so it is at least that long after this instant however late this thread sees the lease.
        var started = DateTime.UtcNow;
        jm.Tell(new RegisterWorker("w1", worker.Ref, 1, []));
        var lost = await genes.ExpectMsgAsync<LeaseGene>();
        Assert.Equal("G1", lost.GeneId);

        var wake = await genes.ExpectMsgAsync<WakeGene>(TimeSpan.FromSeconds(10));
        Assert.Equal(new WakeGene("j4", "G1"), wake);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(400), "woke the gene before a third of a lease had passed");

        jm.Tell(new GeneReady("j4", "G1"), genes.Ref);
        var again = await genes.ExpectMsgAsync<LeaseGene>();
        Assert.Equal("w1", again.WorkerId);
        Assert.Equal("G2", again.GeneId); // the credit came back; G1 queues behind G2
    }

    [Fact]
    public async Task A_device_worker_registers_its_credit_processes_a_grant_and_resends_the_completion_until_acked()
    {
        var jm = CreateTestProbe();
        var genes = CreateTestProbe();
        using var tmp = new TempDir();
        var options = new WorkerOptions { SlotsPerDevice = 2, HeartbeatInterval = TimeSpan.FromMilliseconds(300) };
        var worker = Sys.ActorOf(DeviceWorkerActor.Props("w1", "cpu", new FakeGeneProcessor(), jm.Ref, genes.Ref, options));

        var register = await jm.ExpectMsgAsync<RegisterWorker>();
        Assert.Equal(2, register.Capacity);
        Assert.Empty(register.Holding);

        var item = new GeneWorkItem("j1", "G1", "chr1", Spec(tmp.Path));
        worker.Tell(new WorkGranted(item, 1, TimeSpan.FromMinutes(1)));
        var complete = await genes.FishForMessageAsync<CompleteGene>(_ => true, TimeSpan.FromSeconds(5));
        Assert.Equal(("j1", "G1", 1), (complete.JobId, complete.GeneId, complete.Attempt));
        Assert.True(File.Exists(Path.Combine(tmp.Path, complete.Outcome.Files[0])));
        // Not acknowledged: sent again on the next heartbeat, and the gene is still declared as held.
        await genes.FishForMessageAsync<CompleteGene>(_ => true, TimeSpan.FromSeconds(3));
        Assert.Contains(new HeldGene("j1", "G1", 1), (await jm.FishForMessageAsync<RegisterWorker>(r => r.Holding.Count > 0, TimeSpan.FromSeconds(3))).Holding);

        worker.Tell(new CompletionAcked("j1", "G1", 1, false));
        await jm.FishForMessageAsync<RegisterWorker>(r => r.Holding.Count == 0, TimeSpan.FromSeconds(3));
    }
}
