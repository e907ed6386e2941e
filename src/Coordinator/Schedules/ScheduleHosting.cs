using Akka.Cluster.Hosting;
using Akka.Hosting;
using ExPecto.Hosting;

namespace ExPecto.Coordinator.Schedules;

/// <summary>The schedule manager: a persistent cluster singleton on the coordinator role, next to the job manager.</summary>
public static class ScheduleHosting
{
    public const string ScheduleManagerName = "schedule-manager";

    /// <summary>
    /// Starts the schedule manager singleton (and its proxy, registered as <see cref="ScheduleManager"/>). Call after
    /// <see cref="CoordinatorHosting.WithExPectoCoordinator"/>: it talks to the job manager proxy. <paramref name="clock"/>
    /// decides when occurrences fall due (tests pass a manual clock; default the system clock). Each occurrence's job
    /// is checked against <paramref name="engines"/> (engine and parameters) when it is resolved.
    /// </summary>
    public static AkkaConfigurationBuilder WithExPectoSchedules(
        this AkkaConfigurationBuilder builder, ScheduleOptions options, PersistenceOptions persistence,
        ExPecto.Protocol.Processing.EngineCatalog engines, TimeProvider? clock = null)
    {
        builder.WithSingleton<ScheduleManager>(
            ScheduleManagerName,
            (_, registry, _) => ScheduleManagerActor.Props(registry.Get<JobManager>(), options, persistence, engines, clock ?? TimeProvider.System),
            new ClusterSingletonOptions { Role = Roles.Coordinator },
            createProxyToo: true);
        builder.WithSingletonWatch<ScheduleManager>(ScheduleManagerName, Roles.Coordinator, new ExPecto.Protocol.Messages.ListSchedules());
        return builder;
    }
}
