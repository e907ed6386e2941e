using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using ExPecto.Admin.Contracts;
using ExPecto.Admin.Hosting;

namespace ExPecto.Admin.Tests.Support;

/// <summary>
/// Real ActorSystems clustered over 127.0.0.1 on free ports, each serving the admin endpoint on a free loopback
/// port. Gossip runs fast so joins and leaves settle in about a second.
/// </summary>
public sealed class LoopbackCluster : IAsyncDisposable
{
    public const string Token = "s3cret-admin-token-for-tests";

    public static readonly Config NodeConfig = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.cluster.gossip-interval = 200ms
        akka.cluster.leader-actions-interval = 200ms
        akka.cluster.periodic-tasks-initial-delay = 100ms
        akka.cluster.unreachable-nodes-reaper-interval = 200ms
        akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = off
        # Teardown terminates nodes together; nobody is left to confirm a graceful exit, so don't wait long for it.
        akka.coordinated-shutdown.phases.cluster-sharding-shutdown-region.timeout = 1s
        akka.coordinated-shutdown.phases.cluster-leave.timeout = 1s
        akka.coordinated-shutdown.phases.cluster-exiting.timeout = 1s
        """);

    private LoopbackCluster(IReadOnlyList<Node> nodes) => Nodes = nodes;

    public IReadOnlyList<Node> Nodes { get; }

    public sealed record Node(ActorSystem System, AdminServer Admin, IActorRef? Genes)
    {
        public Address Address => Cluster.Get(System).SelfAddress;

        public string Endpoint => Admin.LoopbackEndpoint;
    }

    public static ActorSystem NewSystem() => ActorSystem.Create("expecto", NodeConfig);

    /// <summary>Starts <paramref name="count"/> nodes, all members Up, each with a "gene" shard region when asked.</summary>
    public static async Task<LoopbackCluster> StartAsync(int count, bool withGeneRegion = false, IJobAdmin? jobs = null)
    {
        var nodes = new List<Node>();
        for (var i = 0; i < count; i++)
        {
            var system = NewSystem();
            var first = nodes.Count == 0 ? Cluster.Get(system).SelfAddress : nodes[0].Address;
            await Cluster.Get(system).JoinAsync(first, new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
            var genes = withGeneRegion
                ? await ClusterSharding.Get(system).StartAsync("gene", Props.Create<EchoGene>(), ClusterShardingSettings.Create(system),
                    new EnvelopeExtractor())
                : null;
            var admin = await AdminServer.StartAsync(system, new AdminOptions { Endpoint = "127.0.0.1:0", Token = Token }, jobs);
            nodes.Add(new Node(system, admin, genes));
        }
        await WaitUntil(() => nodes.All(n => Cluster.Get(n.System).State.Members.Count(m => m.Status == MemberStatus.Up) == count), TimeSpan.FromSeconds(20));
        return new LoopbackCluster(nodes);
    }

    public static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"condition not met within {timeout}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
            await node.Admin.DisposeAsync();
        await Task.WhenAll(Nodes.Select(n => n.System.Terminate()));
    }

    /// <summary>A message to the gene entity named <paramref name="Gene"/>.</summary>
    public sealed record Hello(string Gene);

    private sealed class EnvelopeExtractor() : HashCodeMessageExtractor(20)
    {
        public override string? EntityId(object message) => (message as Hello)?.Gene;
    }

    /// <summary>An entity that answers its own id, so tests can make entities exist.</summary>
    private sealed class EchoGene : ReceiveActor
    {
        public EchoGene() => ReceiveAny(_ => Sender.Tell(Self.Path.Name));
    }
}

/// <summary>The 2-node cluster shared by the read-mostly tests (one collection, so one cluster for all of them).</summary>
[CollectionDefinition(Name)]
public sealed class TwoNodeCollection : ICollectionFixture<TwoNodeClusterFixture>
{
    public const string Name = "two-node cluster";
}

/// <summary>Starts the shared cluster with a "gene" region and a recording job handler.</summary>
public sealed class TwoNodeClusterFixture : IAsyncLifetime
{
    public LoopbackCluster Cluster { get; private set; } = null!;

    public RecordingJobAdmin Jobs { get; } = new();

    public async ValueTask InitializeAsync() => Cluster = await LoopbackCluster.StartAsync(2, withGeneRegion: true, jobs: Jobs);

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}
