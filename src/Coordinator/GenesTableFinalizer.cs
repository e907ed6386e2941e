using ExPecto.Core.Output;
using ExPecto.Protocol.Jobs;

namespace ExPecto.Coordinator;

/// <summary>
/// Finishes a mutagenesis job: genes.parquet (gene × tissue variation potential) rebuilt from the committed genes'
/// summaries in gene-id order, atomically, so re-running it after a crash writes the same bytes.
/// Jobs of the fake engine have no summaries and get nothing.
/// </summary>
public sealed class GenesTableFinalizer : IJobFinalizer
{
    public Task<IReadOnlyList<string>> FinalizeAsync(FinishedJob job, CancellationToken ct)
    {
        var layout = new MutagenesisLayout(job.Spec.OutputDir);
        var committed = job.Genes.Where(g => g.Outcome is not null).Select(g => g.GeneId).ToList();
        if (committed.Count == 0 || !committed.All(g => File.Exists(layout.Full(MutagenesisLayout.SummaryPath(g)))))
            return Task.FromResult<IReadOnlyList<string>>([]);
        GenesTableWriter.Rebuild(layout, committed);
        return Task.FromResult<IReadOnlyList<string>>([MutagenesisLayout.GenesFile]);
    }
}
