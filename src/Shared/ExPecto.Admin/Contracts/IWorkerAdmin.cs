namespace ExPecto.Admin.Contracts;

/// <summary>
/// A worker as <c>workers</c> lists it. <paramref name="Device"/> is e.g. "cuda:0" or "cpu";
/// <paramref name="WindowsPerSecond"/> is the recent inference throughput in 2000-bp windows per second.
/// </summary>
public sealed record WorkerInfo(
    string Address,
    string Device,
    int GenesInFlight,
    long GenesCompleted,
    double WindowsPerSecond,
    DateTimeOffset LastSeen);

/// <summary>The <c>workers</c> palette; implemented by the coordinator (it knows the leases).</summary>
public interface IWorkerAdmin
{
    Task<IReadOnlyList<WorkerInfo>> ListAsync(CancellationToken cancellationToken);
}
