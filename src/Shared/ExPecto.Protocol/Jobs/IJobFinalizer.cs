using ExPecto.Protocol.Processing;
using ExPecto.Protocol.Messages;

namespace ExPecto.Protocol.Jobs;

/// <summary>
/// What a finished job hands the finalizer: every gene's result, in gene-id order. A <paramref name="Cancelled"/> job
/// lists the genes it never settled as failed with the error "cancelled"; it is never complete.
/// </summary>
public sealed record FinishedJob(string JobId, JobSpec Spec, InputDigests Digests, IReadOnlyList<GeneResult> Genes, bool Cancelled = false)
{
    public const string CancelledError = "cancelled";

    public bool IsComplete => !Cancelled && Genes.All(g => g.Outcome is not null);
}

/// <summary>
/// Runs once all genes of a job are settled, before manifest.json and _SUCCESS are written (e.g. assembles
/// genes.parquet from the per-gene summaries). Must be idempotent and write atomically: after a crash it runs again.
/// Returns extra files it wrote, relative to the output folder, for the manifest.
/// </summary>
public interface IJobFinalizer
{
    Task<IReadOnlyList<string>> FinalizeAsync(FinishedJob job, CancellationToken ct);
}

/// <summary>The finalizer that adds nothing.</summary>
public sealed class NoOpJobFinalizer : IJobFinalizer
{
    public Task<IReadOnlyList<string>> FinalizeAsync(FinishedJob job, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>([]);
}
