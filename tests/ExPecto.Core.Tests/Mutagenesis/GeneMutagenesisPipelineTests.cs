using ExPecto.Core.Mutagenesis;
using ExPecto.Core.Output;

namespace ExPecto.Core.Tests.Mutagenesis;

public sealed class GeneMutagenesisPipelineTests : IDisposable
{
    private const int Features = 5;
    private static readonly string[] _tissues = ["Adipose Subcutaneous", "Whole Blood"];

    private readonly TempDir _dir = new();
    private readonly SyntheticGenome _genome = new("chr2", 12_000, seed: 11);
    private readonly ReferenceProjector _projector = ReferenceProjector.Random(_tissues, Features, scale: 0.1, seed: 5);

    public void Dispose() => _dir.Dispose();

    private GeneMutagenesisInput Input(long tss, int radius, int extraLeft = 0, int extraRight = 0, int strand = -1)
    {
        MutagenesisRegion area = MutagenesisRegion.For(tss, radius);
        long start = area.Start0 - extraLeft;
        byte[] region = _genome.Bases.AsSpan((int)start, area.Length + extraLeft + extraRight).ToArray();
        return new GeneMutagenesisInput("GENE", "chr2", strand, tss, region, start, radius);
    }

    private static GeneResult Scan(GeneMutagenesisPipeline pipeline, GeneMutagenesisInput input) =>
        pipeline.Run(input, null, TestContext.Current.CancellationToken);

    [Fact]
    public void Default_radius_gives_ExPectos_6003_mutations_per_gene()
    {
        var pipeline = new GeneMutagenesisPipeline(new FakeDeltaEngine(Features), _projector, new MutagenesisLayout(_dir.Path), batchSize: 500);

        GeneResult result = Scan(pipeline, Input(6_000, MutagenesisOptions.DefaultRadius));

        Assert.Equal(6003, result.Mutations);
        string file = Duck.Lit(Path.Combine(_dir.Path, "effects", "chrom=chr2", "GENE.parquet"));
        Assert.Equal(6003L, Convert.ToInt64(Duck.Scalar($"SELECT count(*) FROM read_parquet({file})")));
    }

    [Fact]
    public void Extra_flanks_around_the_region_do_not_change_the_output()
    {
        var engine = new FakeDeltaEngine(Features);
        GeneResult exact = Scan(new GeneMutagenesisPipeline(engine, _projector, new MutagenesisLayout(Path.Combine(_dir.Path, "a"))),
            Input(6_000, 15));
        GeneResult padded = Scan(new GeneMutagenesisPipeline(engine, _projector, new MutagenesisLayout(Path.Combine(_dir.Path, "b")), batchSize: 7),
            Input(6_000, 15, extraLeft: 123, extraRight: 45));

        Assert.Equal(exact.Checksum, padded.Checksum);
        Assert.Throws<ArgumentException>(() =>
            Scan(new GeneMutagenesisPipeline(engine, _projector, new MutagenesisLayout(_dir.Path)), Input(6_000, 15) with { RegionStart0 = 1 }));
    }

    [Fact]
    public void Each_engine_call_feeds_every_batch_the_engine_runs_at_once_and_the_output_does_not_change()
    {
        var one = new FakeDeltaEngine(Features);
        var three = new FakeDeltaEngine(Features) { ConcurrentBatches = 3 };
        GeneResult a = Scan(new GeneMutagenesisPipeline(one, _projector, new MutagenesisLayout(Path.Combine(_dir.Path, "a")), batchSize: 10), Input(6_000, 15));
        GeneResult b = Scan(new GeneMutagenesisPipeline(three, _projector, new MutagenesisLayout(Path.Combine(_dir.Path, "b")), batchSize: 10), Input(6_000, 15));

        Assert.Equal([10, 10, 10, 10, 10, 10, 10, 10, 10, 3], one.CallSizes); // 93 mutations
        Assert.Equal([30, 30, 30, 3], three.CallSizes);
        Assert.Equal(a.Checksum, b.Checksum);
    }

    [Fact]
    public void Strand_changes_effects_through_the_distance_weights_only()
    {
        var engine = new FakeDeltaEngine(Features);
        GeneResult minus = Scan(new GeneMutagenesisPipeline(engine, _projector, new MutagenesisLayout(Path.Combine(_dir.Path, "m"))), Input(6_000, 15, strand: -1));
        GeneResult plus = Scan(new GeneMutagenesisPipeline(engine, _projector, new MutagenesisLayout(Path.Combine(_dir.Path, "p"))), Input(6_000, 15, strand: +1));

        Assert.Equal(minus.Mutations, plus.Mutations);
        Assert.NotEqual(minus.Tissues[0].Directionality, plus.Tissues[0].Directionality);
        var dist = Duck.Query($"SELECT min(dist), max(dist) FROM read_parquet({Duck.Lit(Path.Combine(_dir.Path, "m", "effects", "*", "*.parquet"))})").Single();
        Assert.Equal(-15, (int)dist[0]!);
        Assert.Equal(15, (int)dist[1]!);
    }

    [Fact]
    public void Cancellation_mid_gene_leaves_no_file_behind()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var pipeline = new GeneMutagenesisPipeline(new FakeDeltaEngine(Features), _projector, new MutagenesisLayout(_dir.Path), batchSize: 10);
        int batches = 0;

        Assert.ThrowsAny<OperationCanceledException>(() => pipeline.Run(Input(6_000, 15), _ =>
        {
            if (++batches == 2) cts.Cancel();
        }, cts.Token));

        Assert.Empty(Directory.GetFiles(_dir.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void An_engine_and_projector_that_disagree_on_features_are_refused()
    {
        Assert.Throws<ArgumentException>(() =>
            new GeneMutagenesisPipeline(new FakeDeltaEngine(Features + 1), _projector, new MutagenesisLayout(_dir.Path)));
        var clash = ReferenceProjector.Random(["Liver", "pos"], Features, 0.1, 1);
        Assert.Throws<ArgumentException>(() => new GeneMutagenesisPipeline(new FakeDeltaEngine(Features), clash, new MutagenesisLayout(_dir.Path)));
    }

    [Fact]
    public void Genes_table_rebuilt_from_summaries_alone_is_byte_identical()
    {
        var layout = new MutagenesisLayout(_dir.Path);
        var pipeline = new GeneMutagenesisPipeline(new FakeDeltaEngine(Features), _projector, layout);
        var results = new List<GeneResult>();
        foreach ((string id, long tss) in new[] { ("B", 4_000L), ("A", 6_000L), ("C", 8_000L) })
            results.Add(Scan(pipeline, Input(tss, 10) with { GeneId = id }));

        string inMemory = Path.Combine(_dir.Path, "in-memory.parquet");
        GenesTableWriter.Write(inMemory, results);
        Assert.Equal(3, GenesTableWriter.Rebuild(layout));

        Assert.Equal(File.ReadAllBytes(inMemory), File.ReadAllBytes(layout.Full(MutagenesisLayout.GenesFile)));
        var genes = Duck.Query($"SELECT DISTINCT gene FROM read_parquet({Duck.Lit(inMemory)}) ORDER BY gene").Select(r => (string)r[0]!);
        Assert.Equal(["A", "B", "C"], genes);
        Assert.Throws<InputException>(() => GenesTableWriter.Rebuild(layout, ["A", "Z"]));
    }
}
