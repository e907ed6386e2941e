using ExPecto.Protocol.Messages;
using ExPecto.Protocol.State;
using Prometheus;

namespace ExPecto.Coordinator;

/// <summary>
/// The coordinator's Prometheus metrics (names and labels are a contract: docs/operations.md, "Metrics"). Counted
/// where the events are persisted, never on recovery, so a restart neither repeats nor loses a count in this process.
/// </summary>
public static class CoordinatorMetrics
{
    private static readonly Counter Settled = Metrics.CreateCounter(
        "expecto_genes_settled_total", "Genes whose fate was persisted by this coordinator: committed (output checksummed) or failed (attempts used up).",
        "outcome");

    private static readonly Gauge InFlight = Metrics.CreateGauge(
        "expecto_genes_in_flight", "Genes leased to a worker now, over every job (the job manager's view; 0 on coordinators not hosting it).");

    private static readonly Counter LeasesExpired = Metrics.CreateCounter(
        "expecto_leases_expired_total", "Gene leases that ran out without a renewal or a result (the gene is re-issued or fails).");

    private static readonly Counter JournalWriteFailures = Metrics.CreateCounter(
        "expecto_journal_write_failures_total", "Journal writes of the job manager or a gene entity that failed or were rejected (the actor stops and recovers).");

    /// <summary>Publishes every series at zero, so a coordinator shows them before its first job.</summary>
    public static void Register()
    {
        Settled.WithLabels("committed");
        Settled.WithLabels("failed");
    }

    /// <summary>A gene entity persisted <paramref name="e"/> while handling <paramref name="command"/>.</summary>
    public static void GenePersisted(object command, IGeneEvent e)
    {
        switch (e)
        {
            case GeneCommitted:
                Settled.WithLabels("committed").Inc();
                break;
            case GeneFailed:
                Settled.WithLabels("failed").Inc();
                break;
            case GeneLeaseEnded when command is CheckLease:
                LeasesExpired.Inc();
                break;
        }
    }

    public static void SetInFlight(int genes) => InFlight.Set(genes);

    public static void JournalWriteFailed() => JournalWriteFailures.Inc();
}
