using Akka.Actor;
using Akka.Pattern;
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
    /// <param name="commitHook">Called on both sides of every gene commit; null (production): none. See <see cref="TestHookSwitch"/>.</param>
    public static AkkaConfigurationBuilder WithExPectoCoordinator(
        this AkkaConfigurationBuilder builder, CoordinatorOptions options, PersistenceOptions persistence, IJobFinalizer finalizer,
        ICommitHook? commitHook = null)
    {
        CoordinatorMetrics.Register();
        builder.WithShardRegion<GeneRegion>(
            GeneMessageExtractor.TypeName,
            (_, registry, _) => entityId => GeneEntityActor.Props(
                entityId, () => registry.TryGet<JobManager>(out var jm) ? jm : null, options, commitHook),
            new GeneMessageExtractor(),
            ExPectoHostingExtensions.GeneShardOptions());
        builder.WithSingleton<JobManager>(
            ExPectoHostingExtensions.JobManagerName,
            (_, registry, _) => JobManagerProps(JobManagerActor.Props(registry.Get<GeneRegion>(), options, persistence, finalizer)),
            new ClusterSingletonOptions { Role = Roles.Coordinator },
            createProxyToo: true);
        builder.WithSingletonWatch<JobManager>(ExPectoHostingExtensions.JobManagerName, Roles.Coordinator, ExPectoHostingExtensions.JobManagerPing);
        return builder;
    }

    /// <summary>
    /// The job manager under a backoff supervisor: a persistent actor stops when a journal write or its recovery
    /// fails (database down), and a cluster singleton manager never restarts a stopped singleton, so without this
    /// one failed write would stall every job until the coordinator restarts. The supervisor forwards messages
    /// (sender kept) and recreates the job manager 1 s … 10 s after each stop until its recovery succeeds;
    /// meanwhile messages to it are dropped, and every sender retries (worker heartbeats, settlement
    /// re-announcements, client asks).
    /// </summary>
    public static Props JobManagerProps(Props jobManager) =>
        BackoffSupervisor.Props(jobManager, "job-manager", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), 0.2);
}
