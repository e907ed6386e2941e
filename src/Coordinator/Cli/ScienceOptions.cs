using System.CommandLine;
using ExPecto.Beluga;
using ExPecto.Beluga.Ism;
using ExPecto.Core;
using ExPecto.Core.Annotation;
using ExPecto.Core.Genome;
using ExPecto.Core.Variants;

namespace ExPecto.Coordinator.Cli;

/// <summary>The inputs every science command shares. Omitted paths default to the bundled demo.</summary>
/// <param name="batchSizeMeaning">What --batch-size counts for this command (mutagenesis: mutations per engine batch, as in `run`).</param>
/// <param name="batchSizeDefault">0: the device kind's default mutations per batch (<see cref="DeltaEngineOptions.DefaultMutationsPerBatch"/>).</param>
internal sealed class ScienceOptions(string batchSizeMeaning = "Windows per forward pass", int batchSizeDefault = 32)
{
    public Option<string?> Genome { get; } = new("--genome") { Description = "Indexed FASTA (plain + .fai, or BGZF + .fai + .gzi); default: the bundled demo genome" };
    public Option<string?> Annotation { get; } = new("--annotation") { Description = "Genes: GTF/GFF3 (GENCODE or Ensembl; TSS = 5' end of the Ensembl_canonical transcript), ExPecto geneanno.csv or a TSS BED; plain or gzip; default: the demo genes" };
    public Option<string?> GeneTypes { get; } = new("--gene-types") { Description = GeneTypesDescription };

    public const string GeneTypesDescription = "Only genes of these types, comma-separated (GENCODE gene_type, Ensembl gene_biotype/biotype, geneanno.csv type), e.g. protein_coding,lncRNA; default: all";
    public Option<string?> Beluga { get; } = new("--beluga") { Description = "Beluga weights (PyTorch state dict, zip or legacy); default: the demo weights (NOT biological)" };
    public Option<string?> Models { get; } = new("--models") { Description = "ExPecto modellist (TSV ModelName, Tissue); default: the demo models (NOT biological)" };
    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or cuda:N (CUDA needs the CUDA build)", DefaultValueFactory = _ => "cpu" };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = batchSizeMeaning, DefaultValueFactory = _ => batchSizeDefault };
    public Option<int?> Threads { get; } = new("--threads") { Description = "CPU threads for inference; the incremental engine computes this many batches at once, same results (default: libtorch's choice, one per core)" };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Genome, Annotation, GeneTypes, Beluga, Models, Device, BatchSize, Threads })
            command.Options.Add(o);
    }

    public ResolvedInputs Resolve(ParseResult parse)
    {
        string? genome = parse.GetValue(Genome), annotation = parse.GetValue(Annotation), beluga = parse.GetValue(Beluga), models = parse.GetValue(Models);
        bool demo = genome is null || annotation is null || beluga is null || models is null;
        string? demoDir = null;
        if (demo)
        {
            demoDir = Demo.Directory();
            if (beluga is null || models is null)
            {
                Demo.EnsureWeights(demoDir);
                Console.Error.WriteLine("expecto: using DEMONSTRATION weights (random, not biological) from " + Path.Combine(demoDir, "weights"));
            }
        }
        int batch = parse.GetValue(BatchSize);
        if (batch == 0 && batchSizeDefault == 0) batch = DeltaEngineOptions.DefaultMutationsPerBatch(parse.GetValue(Device)!);
        if (batch < 1) throw new InputException($"--batch-size must be at least 1, got {batch}");
        return new ResolvedInputs(
            genome ?? Cli.Demo.Genome(demoDir!),
            annotation ?? Cli.Demo.Annotation(demoDir!),
            beluga ?? Cli.Demo.Beluga(demoDir!),
            models ?? Cli.Demo.ModelList(demoDir!),
            new TorchChromatinOptions { Device = parse.GetValue(Device)!, BatchSize = batch, Threads = parse.GetValue(Threads) },
            ParseGeneTypes(parse.GetValue(GeneTypes)));
    }

    /// <summary>"a,b" → [a, b]; null or blank → null (all types).</summary>
    public static IReadOnlyList<string>? ParseGeneTypes(string? value)
    {
        var types = (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return types.Length == 0 ? null : types;
    }

    /// <summary>
    /// The annotation with --gene-types applied and genes on contigs the genome lacks dropped (aliases chr20 ≡ 20
    /// count as present); both counts go to stderr.
    /// </summary>
    public static GeneAnnotation LoadAnnotation(ResolvedInputs inputs, IndexedFasta genome) =>
        LoadAnnotation(inputs.Annotation, inputs.GeneTypes, genome, Console.Error);

    /// <inheritdoc cref="LoadAnnotation(ResolvedInputs, IndexedFasta)"/>
    public static GeneAnnotation LoadAnnotation(string path, IReadOnlyCollection<string>? geneTypes, IndexedFasta genome, TextWriter report)
    {
        var all = GeneAnnotation.Load(path);
        var typed = geneTypes is null ? all : all.WithTypes(geneTypes);
        if (typed.Genes.Count != all.Genes.Count)
            report.WriteLine($"expecto: annotation: {all.Genes.Count - typed.Genes.Count} of {all.Genes.Count} genes left out by --gene-types {string.Join(',', geneTypes!)}");
        var kept = typed.OnContigs(c => genome.TryResolveContig(c, out _), out int skipped, out var missing);
        if (skipped > 0)
            report.WriteLine($"expecto: annotation: {skipped} genes skipped on contigs the genome lacks ({string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")})");
        if (kept.Genes.Count == 0)
            throw new InputException(path, null, $"no gene of the annotation is on a contig of the genome {genome.Path}");
        return kept;
    }

    public static RefMismatchPolicy ParsePolicy(string value) => value.ToLowerInvariant() switch
    {
        "error" => RefMismatchPolicy.Error,
        "warn" => RefMismatchPolicy.Warn,
        "skip" => RefMismatchPolicy.Skip,
        _ => throw new InputException($"--ref-mismatch must be error, warn or skip, got '{value}'"),
    };
}

internal sealed record ResolvedInputs(string Genome, string Annotation, string Beluga, string Models, TorchChromatinOptions Torch, IReadOnlyList<string>? GeneTypes = null);
