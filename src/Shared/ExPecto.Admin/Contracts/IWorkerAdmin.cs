namespace ExPecto.Admin.Contracts;

/// <summary>
/// One device loop of a worker as <c>workers</c> lists it. <paramref name="Address"/> is the worker node's cluster
/// address (what <c>cluster leave</c> takes); <paramref name="Device"/> is e.g. "cuda:0" or "cpu";
/// <paramref name="BatchSize"/> is the batch size of the gene it runs now (0 when idle); <paramref name="CurrentGene"/>
/// the gene it runs now; <paramref name="MutationsPerSecond"/> the throughput over its last gene;
/// <paramref name="GenesDone"/> genes completed and <paramref name="Errors"/> failed attempts since the loop started;
/// <paramref name="GenesInFlight"/> genes leased to it now; <paramref name="LastSeen"/> its last heartbeat.
/// </summary>
public sealed record WorkerInfo(
    string Address,
    string Device,
    int BatchSize,
    string? CurrentGene,
    double MutationsPerSecond,
    long GenesDone,
    long Errors,
    int GenesInFlight,
    DateTimeOffset LastSeen);

/// <summary>The <c>workers</c> palette; implemented by the coordinator (it knows the leases).</summary>
public interface IWorkerAdmin
{
    Task<IReadOnlyList<WorkerInfo>> ListAsync(CancellationToken cancellationToken);
}
