using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Processing;

namespace ExPecto.Coordinator;

/// <summary>
/// Where the science plugs into the cluster: the engines this build offers (embedded workers run them; job
/// resolution checks jobs against them) and the job finalizer (genes.parquet from the per-gene summaries). The
/// only place that knows the concrete types.
/// </summary>
internal static class ScienceWiring
{
    /// <summary>The real engines, and the test engines when <paramref name="testHooks"/> is given (the switch is on).</summary>
    /// <param name="precisions">Precisions the embedded worker accepts (Worker:Precisions); null: all.</param>
    /// <param name="threads">libtorch CPU threads of the embedded worker (Worker:Threads resolved); 0: libtorch's setting.</param>
    public static EngineCatalog Engines(ITestHooks? testHooks, IReadOnlyCollection<ExPecto.Core.Chromatin.ComputePrecision>? precisions = null, int threads = 0) =>
        Mutagenesis.MutagenesisGeneProcessorFactory.RegisterAll(new EngineCatalog(), precisions, threads).WithTestEngines(testHooks);

    public static IJobFinalizer Finalizer() => new GenesTableFinalizer();
}
