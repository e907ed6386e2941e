using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Processing;

namespace ExPecto.Coordinator;

/// <summary>
/// Where the science plugs into the cluster: the engines embedded workers offer (besides "fake") and the job
/// finalizer (genes.parquet from the per-gene summaries). The only place that knows the concrete types.
/// </summary>
internal static class ScienceWiring
{
    /// <param name="precisions">Precisions the embedded worker accepts (Worker:Precisions); null: all.</param>
    public static EngineCatalog Engines(TimeSpan fakeDelay, IReadOnlyCollection<ExPecto.Core.Chromatin.ComputePrecision>? precisions = null) =>
        Mutagenesis.MutagenesisGeneProcessorFactory.RegisterAll(new EngineCatalog(fakeDelay), precisions);

    public static IJobFinalizer Finalizer() => new GenesTableFinalizer();
}
