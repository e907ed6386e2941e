using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ExPecto.Admin.Hosting;

/// <summary>Gives the node's ActorSystem, or null while the host is still starting it.</summary>
public delegate ActorSystem? ActorSystemAccessor();

/// <summary>Liveness (<c>/healthz</c>): the process answers and its ActorSystem has not terminated. Cluster state is not
/// consulted, so a partition never makes Kubernetes restart a healthy pod.</summary>
internal sealed class ActorSystemAliveCheck(ActorSystemAccessor system) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var s = system();
        if (s is null)
            return Task.FromResult(HealthCheckResult.Healthy("actor system starting"));
        return Task.FromResult(s.WhenTerminated.IsCompleted
            ? HealthCheckResult.Unhealthy("actor system terminated")
            : HealthCheckResult.Healthy("actor system running"));
    }
}

/// <summary>Readiness (<c>/readyz</c>): this node is a cluster member with status Up.</summary>
internal sealed class ClusterMemberUpCheck(ActorSystemAccessor system) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var s = system();
        if (s is null || s.WhenTerminated.IsCompleted)
            return Task.FromResult(HealthCheckResult.Unhealthy("actor system not running"));
        var status = Cluster.Get(s).SelfMember.Status;
        return Task.FromResult(status == MemberStatus.Up
            ? HealthCheckResult.Healthy("member Up")
            : HealthCheckResult.Unhealthy($"member {status}"));
    }
}
