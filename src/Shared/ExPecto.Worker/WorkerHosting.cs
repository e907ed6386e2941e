using Akka.Cluster;
using Akka.Hosting;
using ExPecto.Worker.Actors;
using ExPecto.Hosting;
using ExPecto.Protocol.Processing;

namespace ExPecto.Worker;

/// <summary>The worker role: one <see cref="DeviceWorkerActor"/> per device, each with its own processor.</summary>
public static class WorkerHosting
{
    /// <param name="withProxies">False when this node also runs the coordinator role (embedded), which registers the real region and singleton.</param>
    public static AkkaConfigurationBuilder WithExPectoWorker(this AkkaConfigurationBuilder builder, WorkerOptions options, EngineCatalog engines, bool withProxies = true)
    {
        if (withProxies)
            builder.WithGeneRegionProxy().WithJobManagerProxy();
        builder.WithActors((system, registry) =>
        {
            var self = Cluster.Get(system).SelfUniqueAddress;
            foreach (string device in options.DeviceList())
            {
                // Unique per incarnation: a restarted worker never inherits the leases of its predecessor.
                string workerId = $"{self.Address.Host}:{self.Address.Port}#{self.Uid}/{device}";
                string name = "worker-" + new string(device.Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray());
                system.ActorOf(DeviceWorkerActor.Props(workerId, device, engines.ForDevice(device),
                    registry.Get<JobManager>(), registry.Get<GeneRegion>(), options), name);
            }
        });
        return builder;
    }
}
