using ExPecto.Beluga.Ism;
using ExPecto.Coordinator.Cli;
using ExPecto.Core.Genome;
using ExPecto.Mutagenesis;
using ExPecto.Protocol.Processing;
using CoreAnnotation = ExPecto.Core.Annotation.GeneAnnotation;

namespace ExPecto.Cluster.Tests.Embedded;

/// <summary>The cluster's science adapter runs the same per-gene step, with the same checks, as `expecto mutagenesis`.</summary>
public sealed class MutagenesisGeneProcessorTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Theory]
    [InlineData(DeltaEngines.Incremental, "cpu", 0, DeltaEngineOptions.CpuMutationsPerBatch)]
    [InlineData(DeltaEngines.Incremental, "cuda:1", 0, DeltaEngineOptions.CudaMutationsPerBatch)]
    [InlineData(DeltaEngines.Naive, "cpu", 0, NaiveDeltaEngine.DefaultMutationsPerBatch)]
    [InlineData(DeltaEngines.Incremental, "cpu", 96, 96)]
    [InlineData(DeltaEngines.Naive, "cuda:0", 12, 12)]
    public void The_batch_size_a_worker_reports_is_what_its_engine_uses_for_the_job(string engine, string device, int jobBatch, int expected)
    {
        var spec = new JobSpec("g.fa", "a.bed", "b.pth", "m.txt", "out", 1000, 0.3, engine, jobBatch);
        IGeneProcessor processor = new MutagenesisGeneProcessor(engine, device);
        Assert.Equal(expected, processor.BatchSize(spec));
    }

    [Fact]
    public async Task A_gene_whose_files_no_longer_match_its_mutation_count_is_recomputed_not_reported_as_done()
    {
        // A 60 kb slice of the demo chr20 around HNF4A, as a plain FASTA, and the gene moved onto it.
        string demo = Demo.Directory();
        Demo.EnsureWeights(demo);
        const string id = "ENSG00000101076";
        const int radius = 5, half = 30_000;
        Assert.True(CoreAnnotation.Load(Demo.Annotation(demo)).TryGet(id, out var gene));
        var slice = new byte[2 * half];
        using (var genome = IndexedFasta.Open(Demo.Genome(demo)))
            genome.Fetch(gene.Chrom, gene.Tss - half, slice);
        long offset = gene.Tss - half;
        string bedLine = File.ReadLines(Demo.Annotation(demo)).Single(l => l.Contains(id, StringComparison.Ordinal));
        string[] f = bedLine.Split('\t');
        f[1] = (long.Parse(f[1]) - offset).ToString(); f[2] = (long.Parse(f[2]) - offset).ToString();
        string bed = _tmp.Sub("genes.bed"), fasta = _tmp.Sub("slice.fa");
        File.WriteAllText(bed, string.Join('\t', f) + "\n");
        WriteFasta(fasta, gene.Chrom, slice);
        Assert.True(CoreAnnotation.Load(bed).TryGet(id, out var moved));

        var spec = new JobSpec(fasta, bed, Demo.Beluga(demo), Demo.ModelList(demo), _tmp.Sub("out"), radius, 0.3, DeltaEngines.Incremental, 8);
        var item = new GeneWorkItem("j1", id, gene.Chrom, spec);
        int all = 3 * (2 * radius + 1);
        using (var processor = new MutagenesisGeneProcessor(DeltaEngines.Incremental, "cpu"))
            Assert.Equal(all, (await processor.ProcessAsync(item, TestContext.Current.CancellationToken)).Rows);

        // The reference now has an N next to the TSS: a complete run of the gene has 3 mutations fewer. Its old
        // files are intact (sizes, footers, checksums), so only the mutation-count check tells them apart.
        slice[(int)(moved.Tss - 1 + 2)] = (byte)'N';
        WriteFasta(fasta, gene.Chrom, slice);
        using (var processor = new MutagenesisGeneProcessor(DeltaEngines.Incremental, "cpu"))
            Assert.Equal(all - 3, (await processor.ProcessAsync(item, TestContext.Current.CancellationToken)).Rows);
    }

    [Fact]
    public async Task A_worker_refuses_a_precision_outside_its_precision_option_naming_it_and_the_setting()
    {
        var spec = new JobSpec("/g.fa", "/a.bed", "/b.pth", "/m", _tmp.Sub("out"), 5, 0.3, DeltaEngines.Incremental, 8)
        {
            Precision = ExPecto.Core.Chromatin.ComputePrecision.Bf16,
        };
        var worker = new ExPecto.Hosting.WorkerOptions { Precisions = "fp32" };
        worker.Validate("Worker");
        using var processor = new MutagenesisGeneProcessor(DeltaEngines.Incremental, "cpu", worker.PrecisionList());
        var e = await Assert.ThrowsAsync<ExPecto.Core.InputException>(() => processor.ProcessAsync(new GeneWorkItem("j1", "G1", "chr1", spec), TestContext.Current.CancellationToken));
        Assert.Contains("--precision bf16", e.Message);
        Assert.Contains("runs only fp32", e.Message);
        Assert.Contains("Worker:Precisions", e.Message);

        Assert.Equal(3, new ExPecto.Hosting.WorkerOptions().PrecisionList().Count);
        var bad = Assert.Throws<ExPecto.Core.InputException>(() => new ExPecto.Hosting.WorkerOptions { Precisions = "fp32,fp16" }.Validate("Worker"));
        Assert.Contains("Worker:Precisions", bad.Message);
    }

    private static void WriteFasta(string path, string chrom, byte[] bases)
    {
        foreach (string stale in new[] { path + ".fai" }) if (File.Exists(stale)) File.Delete(stale);
        using var w = new StreamWriter(path);
        w.Write('>'); w.Write(chrom); w.Write('\n');
        for (int i = 0; i < bases.Length; i += 60)
        {
            w.Write(System.Text.Encoding.ASCII.GetString(bases, i, Math.Min(60, bases.Length - i)));
            w.Write('\n');
        }
    }
}
