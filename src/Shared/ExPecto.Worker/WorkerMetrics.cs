using Prometheus;

namespace ExPecto.Worker;

/// <summary>The worker's Prometheus metrics (names and labels are a contract: docs/operations.md, "Metrics").</summary>
public static class WorkerMetrics
{
    private static readonly Counter MutationsScored = Metrics.CreateCounter(
        "expecto_mutations_scored_total", "Mutations scored (effect rows written) by the genes this worker finished, by device.", "device");

    // From a 0.1 s fake gene to a full-size Beluga gene on CPU (hours).
    private static readonly Histogram GeneDuration = Metrics.CreateHistogram(
        "expecto_gene_duration_seconds", "Engine time of one gene on one device, from start to its files written.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.1, 3, 12) });

    /// <summary>Publishes the device's series at zero when its loop starts.</summary>
    public static void Register(string device) => MutationsScored.WithLabels(device);

    public static void GeneScored(string device, long mutations, TimeSpan duration)
    {
        MutationsScored.WithLabels(device).Inc(mutations);
        GeneDuration.Observe(duration.TotalSeconds);
    }
}
