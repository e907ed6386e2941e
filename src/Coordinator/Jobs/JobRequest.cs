using System.Globalization;
using ExPecto.Core;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Processing;

namespace ExPecto.Coordinator.Jobs;

/// <summary>
/// A job as a user asks for it, before defaults and gene selection are resolved: what `run`/`submit` flags and a
/// job spec file (<see cref="JobSpecFile"/>) both say. <see cref="Resolve"/> applies the same rules for both:
/// an ExPecto resources folder fills missing inputs; inputs still missing come from the bundled demo.
/// </summary>
public sealed record JobRequest
{
    /// <summary>ExPecto's saturation mutagenesis radius (2,001 positions).</summary>
    public const int RealRadius = 1000;

    /// <summary>The demo's radius: 32 genes × 603 mutations finish in about a minute on 2 cores.</summary>
    public const int DemoRadius = 100;

    public string? Genome { get; init; }
    public string? Annotation { get; init; }

    /// <summary>Comma-separated gene types the selection keeps (null: all); see `--gene-types`.</summary>
    public string? GeneTypes { get; init; }
    public string? Beluga { get; init; }
    public string? Models { get; init; }
    public string? Resources { get; init; }
    public string Genes { get; init; } = "all";
    public string Out { get; init; } = "expecto-out";
    public int? Radius { get; init; }
    public double Threshold { get; init; } = 0.3;
    public string Engine { get; init; } = "incremental";
    /// <summary>Mutations per engine batch; 0 (the default): each worker's device default (DeltaEngineOptions: CPU 64, CUDA 1024).</summary>
    public int BatchSize { get; init; }

    /// <summary>The engine's arithmetic (`--precision`); fp32 is the exact default.</summary>
    public ExPecto.Core.Chromatin.ComputePrecision Precision { get; init; } = ExPecto.Core.Chromatin.ComputePrecision.Fp32;
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>True when some input falls back to the bundled demo.</summary>
    public bool UsesDemo => Resources is null && (Genome is null || Annotation is null || Beluga is null || Models is null);

    /// <summary>
    /// The job spec and its genes. Relative paths resolve against <paramref name="baseDirectory"/> (default: the
    /// working directory). An engine <paramref name="engines"/> lacks, a parameter the engine does not read, missing
    /// files and empty gene selections are <see cref="InputException"/>s naming <paramref name="source"/> (the flag
    /// set or spec file the request came from).
    /// </summary>
    public (JobSpec Spec, IReadOnlyList<GeneRef> Genes) Resolve(EngineCatalog engines, string? baseDirectory = null, string? source = null)
    {
        engines.Check(Engine, Parameters, source);
        string Full(string p) => Path.GetFullPath(p, baseDirectory ?? Directory.GetCurrentDirectory());
        string? genome = Genome is null ? null : Full(Genome), annotation = Annotation is null ? null : Full(Annotation),
            weights = Beluga is null ? null : Full(Beluga), models = Models is null ? null : Full(Models);
        bool demo = false;
        if (Resources is not null)
        {
            string root = Full(Resources);
            string dir = System.IO.Directory.Exists(Path.Combine(root, "resources")) ? Path.Combine(root, "resources") : root;
            genome ??= Path.Combine(dir, "hg19.fa");
            annotation ??= Path.Combine(dir, "geneanno.csv");
            weights ??= Path.Combine(dir, "deepsea.beluga.pth");
            models ??= Path.Combine(dir, "modellist");
        }
        else if (genome is null || annotation is null || weights is null || models is null)
        {
            demo = true;
            string d = Cli.Demo.Directory();
            if (weights is null || models is null) Cli.Demo.EnsureWeights(d);
            genome ??= Cli.Demo.Genome(d);
            annotation ??= Cli.Demo.Annotation(d);
            weights ??= Cli.Demo.Beluga(d);
            models ??= Cli.Demo.ModelList(d);
        }
        foreach (var (what, path) in new[] { ("genome", genome), ("annotation", annotation), ("beluga", weights), ("models", models) })
            if (!File.Exists(path)) throw new InputException(source, null, $"{what}: {path} does not exist");
        int radius = Radius ?? (demo ? DemoRadius : RealRadius);
        if (radius < 0) throw new InputException(source, null, $"radius must be ≥ 0, found {radius.ToString(CultureInfo.InvariantCulture)}");
        if (BatchSize < 0) throw new InputException(source, null, $"batch size must be ≥ 1 (or 0: each worker's device default), found {BatchSize.ToString(CultureInfo.InvariantCulture)}");
        if (!(Threshold >= 0)) throw new InputException(source, null, $"threshold must be ≥ 0, found {Threshold.ToString(CultureInfo.InvariantCulture)}");
        var spec = new JobSpec(genome, annotation, weights, models, Full(Out), radius, Threshold, Engine, BatchSize)
        {
            Parameters = new SortedDictionary<string, string>(Parameters.ToDictionary(), StringComparer.Ordinal),
            Precision = Precision,
        };
        return (spec, SelectGenes(Genes, annotation, genome, Cli.ScienceOptions.ParseGeneTypes(GeneTypes), baseDirectory, source));
    }

    /// <summary>
    /// A gene_id&lt;TAB&gt;chrom file when the value names one, else a selection from the annotation (gene types
    /// applied, genes on contigs the genome lacks skipped with a count on stderr).
    /// </summary>
    private static IReadOnlyList<GeneRef> SelectGenes(string value, string annotationPath, string genomePath, IReadOnlyList<string>? geneTypes,
        string? baseDirectory, string? source)
    {
        if (!value.StartsWith('@') && !value.Contains(',') && !value.Contains(':') && value != "all")
        {
            string candidate = Path.GetFullPath(value, baseDirectory ?? Directory.GetCurrentDirectory());
            if (File.Exists(candidate)) return GeneListFile.Read(candidate);
        }
        Core.Annotation.GeneAnnotation annotation;
        using (var genome = Core.Genome.IndexedFasta.Open(genomePath))
            annotation = Cli.ScienceOptions.LoadAnnotation(annotationPath, geneTypes, genome, Console.Error);
        var genes = annotation.Select(value);
        if (genes.Count == 0) throw new InputException(source, null, $"genes '{value}' selects no gene of {annotationPath}");
        return genes.Select(g => new GeneRef(g.Id, g.Chrom)).ToList();
    }
}
