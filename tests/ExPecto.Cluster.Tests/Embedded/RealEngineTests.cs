using ExPecto.Beluga.Ism;
using ExPecto.Coordinator;
using ExPecto.Coordinator.Cli;
using ExPecto.Core.Effects;
using ExPecto.Core.Genome;
using ExPecto.Core.Models;
using ExPecto.Core.Mutagenesis;
using ExPecto.Protocol.Processing;
using CoreAnnotation = ExPecto.Core.Annotation.GeneAnnotation;

namespace ExPecto.Cluster.Tests.Embedded;

/// <summary>The science wired into the cluster: the real incremental engine and the genes.parquet finalizer.</summary>
public sealed class RealEngineTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task The_embedded_cluster_with_the_real_engine_writes_byte_for_byte_what_the_in_process_runner_writes()
    {
        string demo = Demo.Directory();
        Demo.EnsureWeights(demo);
        string[] ids = ["ENSG00000101076", "ENSG00000088833"]; // HNF4A (+ strand) and a − strand gene
        const int radius = 10, batch = 8;
        const double threshold = 0.3;
        var annotation = CoreAnnotation.Load(Demo.Annotation(demo));
        var genes = ids.Select(id => { Assert.True(annotation.TryGet(id, out var g)); return g; }).ToList();

        string clusterOut = _tmp.Sub("cluster"), loopOut = _tmp.Sub("loop");
        var spec = new JobSpec(Demo.Genome(demo), Demo.Annotation(demo), Demo.Beluga(demo), Demo.ModelList(demo),
            clusterOut, radius, threshold, DeltaEngines.Incremental, batch);
        var runner = new EmbeddedRunner(ScienceWiring.Engines(testHooks: null), ScienceWiring.Finalizer());
        var result = await runner.RunAsync(spec, genes.Select(g => new GeneRef(g.Id, g.Chrom)).ToList(), null, TestContext.Current.CancellationToken);
        Assert.True(result.Complete, result.Status?.Phase.ToString());

        using (var genome = IndexedFasta.Open(spec.GenomePath))
        using (var engine = DeltaEngines.Create(DeltaEngines.Incremental, spec.BelugaWeightsPath, new DeltaEngineOptions { MutationsPerBatch = batch }))
        {
            var loop = new MutagenesisRunner(engine, new ExpectoEffectProjector(TissueModelSet.Load(spec.ModelsListPath, engine.FeatureCount)),
                new MutagenesisOptions { OutputDirectory = loopOut, Radius = radius, StrongThreshold = threshold, BatchSize = batch });
            loop.Run(genes.Select(g => new MutagenesisGene(g.Id, g.Chrom, g.Strand, g.Tss)).ToList(),
                (chrom, start0, length) => { var b = new byte[length]; genome.Fetch(chrom, start0, b); return b; });
        }

        var files = Directory.GetFiles(loopOut, "*.parquet", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(loopOut, f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2 * ids.Length + 1, files.Count); // effects + strong_effects per gene, genes.parquet
        foreach (string rel in files)
            Assert.True(File.ReadAllBytes(Path.Combine(loopOut, rel)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(clusterOut, rel))), rel + " differs");
        Assert.True(File.Exists(Path.Combine(clusterOut, "_SUCCESS")));
        Assert.Contains("genes.parquet", File.ReadAllText(Path.Combine(clusterOut, "manifest.json")));
    }
}
