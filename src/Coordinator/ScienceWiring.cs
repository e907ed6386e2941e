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
    public static EngineCatalog Engines(ITestHooks? testHooks) =>
        Mutagenesis.MutagenesisGeneProcessorFactory.RegisterAll(new EngineCatalog()).WithTestEngines(testHooks);

    public static IJobFinalizer Finalizer() => new GenesTableFinalizer();
}
