using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Serialization;
using Akka.TestKit.Xunit;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using ExPecto.Protocol.Serialization;
using ExPecto.Protocol.Sharding;
using ExPecto.Protocol.State;
using ExPecto.Protocol;

namespace ExPecto.Cluster.Tests.Protocol;

public sealed class ExtractorAndSerializerTests() : TestKit(Hocon)
{
    private const string Hocon = """
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { port = 0, hostname = 127.0.0.1 }
        akka.actor.serializers.expecto = "ExPecto.Protocol.Serialization.ExPectoSerializer, ExPecto.Protocol"
        akka.actor.serialization-bindings { "ExPecto.Protocol.Messages.IExPectoMessage, ExPecto.Protocol" = expecto }
        akka.actor.serialization-identifiers { "ExPecto.Protocol.Serialization.ExPectoSerializer, ExPecto.Protocol" = 9117 }
        """;

    private static readonly JobSpec Spec = new("g", "a", "w", "m", "/out", 10, 0.3, "fake", 4)
    {
        Parameters = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["k"] = "v" },
    };
    private static readonly GeneOutcome Outcome = new(5, 1, ["effects/chr1/G1.tsv"], "abc");
    private static readonly GeneResult Result = new("G1", "chr1", 2, Outcome, null);

    [Fact]
    public void Gene_messages_route_to_a_stable_shard_of_the_fixed_count()
    {
        var extractor = new GeneMessageExtractor();
        var msg = new RenewLease("j1", "ENSG00000141510", 1, "w", TimeSpan.FromSeconds(1));
        Assert.Equal("j1|ENSG00000141510", extractor.EntityId(msg));
        string shard = extractor.ShardId("j1|ENSG00000141510", msg);
        // MurmurHash, not string.GetHashCode: the same in every process, so remembered entities find their shard.
        Assert.Equal(shard, extractor.ShardId("j1|ENSG00000141510", new ShardRegion.StartEntity("j1|ENSG00000141510")));
        Assert.Equal("96", shard); // pinned: a different shard function would strand remembered entities
        Assert.InRange(int.Parse(shard, System.Globalization.CultureInfo.InvariantCulture), 0, GeneMessageExtractor.ShardCount - 1);
        Assert.Equal(new GeneKey("j1", "ENSG00000141510"), GeneMessageExtractor.Parse("j1|ENSG00000141510"));
    }

    public static TheoryData<string> Messages() => [.. Samples(ActorRefs.Nobody).Keys];

    private static Dictionary<string, object> Samples(IActorRef someActor)
    {
        var item = new GeneWorkItem("j1", "G1", "chr1", Spec);
        var digests = new InputDigests("1", "2", "3", "4", [new ModelDigest("Liver.model", "5")]);
        object[] all =
        [
            new LeaseGene("j1", "G1", item, "w1", someActor, TimeSpan.FromSeconds(30)),
            new RenewLease("j1", "G1", 2, "w1", TimeSpan.FromSeconds(30)),
            new CompleteGene("j1", "G1", 2, "w1", Outcome),
            new FailGene("j1", "G1", 2, "w1", "boom"),
            new HandBackGene("j1", "G1", 2, "w1", "device stuck"),
            new GeneHandedBack(2, "device stuck"),
            new RevokeLease("j1", "G1", "w1", "left"),
            new SettlementRecorded("j1", "G1"),
            new WorkGranted(item, 2, TimeSpan.FromMinutes(5)),
            new LeaseAccepted("j1", "G1", "w1", 2),
            new LeaseDeclined("j1", "G1", "w1", "leased"),
            new CompletionAcked("j1", "G1", 2, true),
            new LeaseLost("j1", "G1", 2),
            new GeneReady("j1", "G1"),
            new GeneSettled("j1", Result),
            new GeneLeased("chr1", "w1", 1, 123),
            new GeneLeaseRenewed(1, 456),
            new GeneLeaseEnded(1, "lease expired"),
            new GeneCommitted(1, "w1", Outcome),
            new GeneFailed(3, "boom"),
            new GeneSettlementAcknowledged(),
            new SubmitJob("j1", Spec, digests, [new GeneRef("G1", "chr1")]),
            new SubmitJobResponse("j1", false, new JobStatusView("j1", JobPhase.Running, 1, 0, 0, 0, "/out", [])),
            new GetJobStatus(null),
            new JobStatusResponse([new JobStatusView("j1", JobPhase.Partial, 1, 0, 1, 0, "/out", [new GeneResult("G1", "chr1", 3, null, "boom")])]),
            new RegisterWorker("w1", someActor, 2, [new HeldGene("j1", "G1", 1)]) { Stats = new WorkerStats("cuda:0", 64, "G1", 100, 5, 0) },
            new JobSubmitted("j1", Spec, digests, [new GeneRef("G1", "chr1")]),
            new JobGeneSettled("j1", Result),
            new JobGenesSettled("j1", [Result, new GeneResult("G2", "chr2", 3, null, "boom")]),
            new JobFinished("j1", true, ["genes.parquet"]),
            new JobBookSnapshot([new JobSnapshotEntry(new JobSubmitted("j1", Spec, digests, [new GeneRef("G1", "chr1")]) { AtMs = 7 }, [Result], null)
            {
                Paused = true,
                Round = 2,
            }]),
            new ResetGene("j1", "G1", 1),
            new GeneReset(1),
            new GetWorkers(),
            new WorkerListResponse([new WorkerView("w1", "akka.tcp://expecto@127.0.0.1:1", 2, 1, new WorkerStats("cpu", 64, "G1", 12.5, 3, 1), 99)]),
            new ControlJob("j1", JobControl.RetryFailed),
            new ControlJobResponse("j1", null, false, 2, new JobStatusView("j1", JobPhase.Paused, 1, 0, 0, 0, "/out", []) { SubmittedAtMs = 5 }),
            new JobPaused("j1"),
            new JobResumed("j1"),
            new JobCancelled("j1"),
            new JobReopened("j1", 1, ["G1"]),
            new JobCompacted("j1"),
        ];
        return all.ToDictionary(m => m.GetType().Name);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_protocol_type_round_trips_under_its_stable_manifest(string typeName)
    {
        var message = Samples(TestActor)[typeName];
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ExPectoSerializer>(serializer);
        var withManifest = (SerializerWithStringManifest)serializer;
        string manifest = withManifest.Manifest(message);
        var back = withManifest.FromBinary(withManifest.ToBinary(message), manifest);
        Assert.Equal(message.GetType(), back.GetType());
        // Records with lists compare lists by reference; compare the canonical JSON instead.
        Assert.Equal(System.Text.Encoding.UTF8.GetString(withManifest.ToBinary(message)), System.Text.Encoding.UTF8.GetString(withManifest.ToBinary(back)));
        if (back is LeaseGene lg) Assert.Equal(TestActor, lg.Worker);
    }

    // Written by the serializer before GeneOutcome lost its per-tissue Summary (journals and snapshots hold these).
    private const string OldOutcome =
        """{"Rows":5,"StrongRows":1,"Files":["effects/chr1/G1.tsv"],"Checksum":"abc","Summary":{"Directionality":[1.5,"NaN"],"Magnitude":[2,3]}}""";

    [Fact]
    public void A_compacted_job_book_snapshot_round_trips_and_one_written_before_compaction_reads_as_uncompacted()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(IExPectoMessage));
        var digests = new InputDigests("1", "2", "3", "4", []);
        var submitted = new JobSubmitted("j1", Spec, digests, [new GeneRef("G2", "chr2")]);
        var failed = new GeneResult("G2", "chr2", 3, null, "boom");
        var snapshot = new JobBookSnapshot([new JobSnapshotEntry(submitted, [failed], new JobFinished("j1", false, []))
        {
            Compaction = new JobCompaction(3, 2, 10),
            Compacted = true,
        }]);
        var back = JobBook.FromSnapshot((JobBookSnapshot)serializer.FromBinary(serializer.ToBinary(snapshot), "S-JB")).Jobs["j1"];
        Assert.Equal(new JobCompaction(3, 2, 10), back.Compaction);
        Assert.True(back.Compacted);
        Assert.Equal((3, 2, 1, JobPhase.Partial), (back.GeneCount, back.CommittedCount, back.FailedCount, back.Phase));

        // As snapshots were written before compaction existed: no Compaction, no Compacted.
        string old = """{"Jobs":[{"Submitted":{"JobId":"j1","Spec":""" + System.Text.Encoding.UTF8.GetString(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Spec))
                     + ""","Digests":{"Genome":"1","Annotation":"2","BelugaWeights":"3","ModelsList":"4","Models":[]},"Genes":[{"GeneId":"G2","Chrom":"chr2"}],"AtMs":7},"""
                     + "\"Settled\":[],\"Finished\":null,\"Paused\":false,\"Cancelled\":false,\"Round\":0}]}";
        var oldJob = JobBook.FromSnapshot((JobBookSnapshot)serializer.FromBinary(System.Text.Encoding.UTF8.GetBytes(old), "S-JB")).Jobs["j1"];
        Assert.Null(oldJob.Compaction);
        Assert.False(oldJob.Compacted);
        Assert.Equal((1, JobPhase.Running), (oldJob.GeneCount, oldJob.Phase));
    }

    [Theory]
    [InlineData("E-GC", """{"Attempt":1,"WorkerId":"w1","Outcome":""" + OldOutcome + "}")]
    [InlineData("E-JGS", """{"JobId":"j1","Result":{"GeneId":"G1","Chrom":"chr1","Attempts":2,"Outcome":""" + OldOutcome + ""","Error":null}}""")]
    public void Events_journaled_with_a_tissue_summary_still_read(string manifest, string json)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(IExPectoMessage));
        var back = serializer.FromBinary(System.Text.Encoding.UTF8.GetBytes(json), manifest);
        var outcome = back switch
        {
            GeneCommitted c => c.Outcome,
            JobGeneSettled s => s.Result.Outcome,
            _ => throw new InvalidOperationException(back.GetType().Name),
        };
        Assert.NotNull(outcome);
        Assert.Equal((5L, 1L, "abc"), (outcome.Rows, outcome.StrongRows, outcome.Checksum));
        Assert.Equal(["effects/chr1/G1.tsv"], outcome.Files);
    }

    [Fact]
    public void Job_phases_travel_and_journal_as_the_lowercase_names_earlier_versions_wrote()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(IExPectoMessage));
        // A ScheduleRunFinished journaled while Phase was a string.
        const string old = """{"Name":"s","JobId":"j1","At":"2026-06-01T12:00:00+00:00","Phase":"partial","Committed":["A"],"Failed":1}""";
        var back = Assert.IsType<ExPecto.Protocol.Messages.ScheduleRunFinished>(serializer.FromBinary(System.Text.Encoding.UTF8.GetBytes(old), "E-SRD"));
        Assert.Equal(JobPhase.Partial, back.Phase);
        Assert.Contains("\"Phase\":\"partial\"", System.Text.Encoding.UTF8.GetString(serializer.ToBinary(back)));
        foreach (JobPhase phase in Enum.GetValues<JobPhase>())
        {
            var view = new JobStatusView("j1", phase, 1, 0, 0, 0, "/out", []);
            string json = System.Text.Encoding.UTF8.GetString(serializer.ToBinary(new JobStatusResponse([view])));
            Assert.Contains($"\"Phase\":\"{phase.Name()}\"", json);
            Assert.Equal(phase, ((JobStatusResponse)serializer.FromBinary(System.Text.Encoding.UTF8.GetBytes(json), "JSR")).Jobs.Single().Phase);
        }
        Assert.Equal(["running", "paused", "finalizing", "complete", "partial", "cancelling", "cancelled"], Enum.GetValues<JobPhase>().Select(p => p.Name()));
    }

    [Fact]
    public void A_gene_key_is_the_entity_id_and_parses_back()
    {
        var key = new GeneKey("j0123456789abcdef", "ENSG00000141510");
        Assert.Equal("j0123456789abcdef|ENSG00000141510", key.ToString());
        Assert.Equal(key.ToString(), GeneMessageExtractor.EntityIdOf(key.JobId, key.GeneId));
        Assert.Equal(key, GeneKey.Parse(key.ToString()));
        Assert.Equal(new GeneKey("j1", ""), GeneKey.Parse("j1"));
        GeneKey fromTuple = ("j1", "G1");
        Assert.Equal(new GeneKey("j1", "G1"), fromTuple);
        Assert.True(fromTuple.BelongsTo("j1"));
        Assert.False(fromTuple.BelongsTo("j"));
        Assert.True(GeneKey.IsOf("j1|G1", "j1"));
        Assert.False(GeneKey.IsOf("j12|G1", "j1"));
        Assert.False(GeneKey.IsOf("j1", "j1"));
        var (job, gene) = fromTuple;
        Assert.Equal(("j1", "G1"), (job, gene));
    }
}
