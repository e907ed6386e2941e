using ExPecto.Beluga.Ism;
using ExPecto.Core;
using ExPecto.Core.Annotation;
using ExPecto.Core.Chromatin;
using ExPecto.Core.Effects;
using ExPecto.Core.Genome;
using ExPecto.Core.Models;
using ExPecto.Core.Mutagenesis;
using ExPecto.Core.Output;
using ExPecto.Protocol.Processing;

namespace ExPecto.Mutagenesis;

/// <summary>
/// The real science behind the cluster seam: one gene's saturation mutagenesis with a Beluga delta engine
/// (naive or incremental) on one device, written as the gene's Parquet files. Loads a job's inputs once and keeps
/// them while jobs with the same inputs arrive. Runs on the worker's device thread (TorchSharp state is per thread),
/// so <see cref="ProcessAsync"/> computes synchronously. A gene whose files are already complete and valid is not
/// recomputed: its recorded result is returned, which keeps repeated attempts idempotent.
/// </summary>
/// <param name="precisions">Precisions this worker accepts (Worker:Precisions); null: all.</param>
/// <param name="threads">libtorch CPU threads (Worker:Threads resolved); 0: leave libtorch's setting.</param>
public sealed class MutagenesisGeneProcessor(string engine, string device, IReadOnlyCollection<ComputePrecision>? precisions = null, int threads = 0)
    : IGeneProcessor, IDisposable
{
    private Loaded? _loaded;

    public Task<GeneOutcome> ProcessAsync(GeneWorkItem item, CancellationToken ct)
    {
        var spec = item.Spec;
        if (precisions is not null && !precisions.Contains(spec.Precision))
            throw new InputException($"job {item.JobId} asks for {ComputePrecisions.OptionName} {spec.Precision.Name()}; this worker runs only " +
                $"{string.Join(", ", precisions.Select(p => p.Name()))} (its --precision option, Worker:Precisions)");
        ExPecto.Beluga.TorchDevices.UseCpuThreads(threads); // here: this is the device thread the engine computes on
        var loaded = Load(spec);
        if (!loaded.Annotation.TryGet(item.GeneId, out Gene gene))
            throw new InputException(spec.AnnotationPath, null, $"has no gene '{item.GeneId}'");
        // The same per-gene step as `expecto mutagenesis`. Checksums are re-verified before a gene is reported as
        // already done (a reported checksum is a promise), and stale temp files are not swept: other workers may
        // be writing into the same folder.
        var runner = new MutagenesisRunner(loaded.Engine, loaded.Projector, new MutagenesisOptions
        {
            OutputDirectory = spec.OutputDir,
            Radius = spec.Radius,
            StrongThreshold = spec.Threshold,
            // 0: this worker's device default (the engine resolves the same value).
            BatchSize = spec.BatchSize > 0 ? spec.BatchSize : DeltaEngineOptions.DefaultMutationsPerBatch(device),
            VerifyChecksumsOnSkip = true,
            DeleteStaleTempFiles = false,
        });
        var run = runner.RunGene(new MutagenesisGene(gene.Id, gene.Chrom, gene.Strand, gene.Tss), loaded.Fetch, null, ct);
        return Task.FromResult(ToOutcome(run.Result));
    }

    public int BatchSize(JobSpec spec) =>
        DeltaEngines.MutationsPerBatch(engine, new DeltaEngineOptions { Device = device, MutationsPerBatch = spec.BatchSize });

    /// <summary>
    /// The cluster's record of a gene: rows, files and checksum. The variation potential per tissue is in the gene's
    /// summary file (listed in Files), not here: the job manager would hold it for every gene of a job.
    /// </summary>
    public static GeneOutcome ToOutcome(GeneResult result)
    {
        var files = result.Files.Select(f => f.Path).Append(MutagenesisLayout.SummaryPath(result.Gene)).ToList();
        return new GeneOutcome(result.Mutations, result.StrongRows, files, result.Checksum);
    }

    public void Dispose()
    {
        _loaded?.Dispose();
        _loaded = null;
    }

    private Loaded Load(JobSpec spec)
    {
        var key = (spec.GenomePath, spec.AnnotationPath, spec.BelugaWeightsPath, spec.ModelsListPath, spec.BatchSize, spec.Precision);
        if (_loaded is not null && _loaded.Key == key) return _loaded;
        _loaded?.Dispose();
        _loaded = null;
        var genome = IndexedFasta.Open(spec.GenomePath);
        try
        {
            var annotation = GeneAnnotation.Load(spec.AnnotationPath);
            var deltaEngine = DeltaEngines.Create(engine, spec.BelugaWeightsPath,
                new DeltaEngineOptions { Device = device, MutationsPerBatch = spec.BatchSize, Precision = spec.Precision, Threads = threads });
            try
            {
                // F comes from the weight file; the tissue models must have 10·F or 10·(F+1) columns.
                var models = TissueModelSet.Load(spec.ModelsListPath, deltaEngine.FeatureCount);
                _loaded = new Loaded(key, genome, annotation, deltaEngine, new ExpectoEffectProjector(models));
            }
            catch
            {
                deltaEngine.Dispose();
                throw;
            }
            return _loaded;
        }
        catch
        {
            genome.Dispose();
            throw;
        }
    }

    private sealed record Loaded(
        (string, string, string, string, int, ComputePrecision) Key,
        IndexedFasta Genome,
        GeneAnnotation Annotation,
        Core.Chromatin.IMutationDeltaEngine Engine,
        ExpectoEffectProjector Projector) : IDisposable
    {
        public Func<string, long, int, byte[]> Fetch => (chrom, start0, length) =>
        {
            var buffer = new byte[length];
            Genome.Fetch(chrom, start0, buffer);
            return buffer;
        };

        public void Dispose()
        {
            Engine.Dispose();
            Genome.Dispose();
        }
    }
}

/// <summary>Creates a <see cref="MutagenesisGeneProcessor"/> per device for one engine name.</summary>
/// <param name="precisions">Precisions the processors accept (Worker:Precisions); null: all.</param>
/// <param name="threads">libtorch CPU threads of the processors (Worker:Threads resolved); 0: libtorch's setting.</param>
public sealed class MutagenesisGeneProcessorFactory(string engine, IReadOnlyCollection<ComputePrecision>? precisions = null, int threads = 0)
    : IGeneProcessorFactory
{
    public IGeneProcessor Create(string device) => new MutagenesisGeneProcessor(engine, device, precisions, threads);

    /// <summary>The real engines read no job parameters: everything they need is in the spec's typed fields.</summary>
    public IReadOnlyCollection<string> Parameters { get; } = [];

    /// <summary>Registers the real engines (incremental, naive).</summary>
    public static EngineCatalog RegisterAll(EngineCatalog catalog, IReadOnlyCollection<ComputePrecision>? precisions = null, int threads = 0)
    {
        foreach (string name in DeltaEngines.Names)
            catalog.Register(name, new MutagenesisGeneProcessorFactory(name, precisions, threads));
        return catalog;
    }
}
