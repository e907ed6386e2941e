using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using ExPecto.Coordinator.Actors;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Sharding;

namespace ExPecto.Coordinator;

/// <summary>The coordinator role: the gene shard region (hosting entities) and the job manager singleton.</summary>
public static class CoordinatorHosting
{
    public static AkkaConfigurationBuilder WithExPectoCoordinator(
        this AkkaConfigurationBuilder builder, CoordinatorOptions options, PersistenceOptions persistence, IJobFinalizer finalizer)
    {
        builder.WithShardRegion<GeneRegion>(
            GeneMessageExtractor.TypeName,
            (_, registry, _) => entityId => GeneEntityActor.Props(
                entityId, () => registry.TryGet<JobManager>(out var jm) ? jm : null, options),
            new GeneMessageExtractor(),
            ExPectoHostingExtensions.GeneShardOptions());
        builder.WithSingleton<JobManager>(
            ExPectoHostingExtensions.JobManagerName,
            (_, registry, _) => JobManagerActor.Props(registry.Get<GeneRegion>(), options, persistence, finalizer),
            new ClusterSingletonOptions { Role = Roles.Coordinator },
            createProxyToo: true);
        return builder;
    }
}
