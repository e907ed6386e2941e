using System.CommandLine;
using System.Globalization;
using ExPecto.Coordinator.Jobs;
using ExPecto.Core;
using ExPecto.Core.Chromatin;
using ExPecto.Core.Mutagenesis;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Processing;
using ExPecto.Protocol;

namespace ExPecto.Coordinator.Cli;

/// <summary>The options that define a job, shared by `run` and `submit`.</summary>
internal sealed class JobArguments
{
    public Option<FileInfo?> Genome { get; } = new("--genome") { Description = "Reference genome FASTA (indexed); default: the bundled demo" };
    public Option<FileInfo?> Annotation { get; } = new("--annotation") { Description = "Gene annotation (GTF/GFF3, geneanno.csv or TSS BED; plain or gzip); default: the demo genes" };
    public Option<string?> GeneTypes { get; } = new("--gene-types") { Description = ScienceOptions.GeneTypesDescription };
    public Option<FileInfo?> Weights { get; } = new("--beluga", "--weights") { Description = "Beluga weights (PyTorch state dict); default: the demo weights (NOT biological)" };
    public Option<FileInfo?> Models { get; } = new("--models") { Description = "ExPecto modellist (output column order); default: the demo models (NOT biological)" };
    public Option<DirectoryInfo?> Resources { get; } = new("--resources") { Description = "ExPecto's resources as ExPecto ships them (deepsea.beluga.pth, hg19.fa, geneanno.csv, modellist + models), DIR or DIR/resources" };
    public Option<string> Genes { get; } = new("--genes") { Description = "Genes: ID,ID,… | @file | chrom:chr20 | all | a gene_id<TAB>chrom file", DefaultValueFactory = _ => "all" };
    public Option<DirectoryInfo> Out { get; } = new("--out") { Description = "Output folder", DefaultValueFactory = _ => new DirectoryInfo("expecto-out") };
    public Option<int?> Radius { get; } = new("--radius") { Description = $"Mutated positions each side of the TSS (default {RealRadius}; {DemoRadius} on the bundled demo)" };
    public Option<double> Threshold { get; } = new("--threshold") { Description = "|effect| for a strong row (natural-log fold change)", DefaultValueFactory = _ => 0.3 };
    public Option<string> Engine { get; } = new("--engine") { Description = "Mutation delta engine: incremental or naive (test builds: fake, with --enable-test-hooks)", DefaultValueFactory = _ => "incremental" };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = BatchSizeMeaning, DefaultValueFactory = _ => 0 };

    public Option<string> Precision { get; } = PrecisionOption();

    /// <summary>`--precision fp32|tf32|bf16` (default fp32), shared with `mutagenesis`.</summary>
    public static Option<string> PrecisionOption() =>
        new(ComputePrecisions.OptionName) { Description = ComputePrecisions.Description, DefaultValueFactory = _ => "fp32" };

    public const string BatchSizeMeaning = "Mutations per engine batch (bounds memory; results do not depend on it beyond float rounding); " +
        "0 (default): the device kind's default, 64 on a CPU and 1024 on CUDA (bench/README.md)";
    public Option<FileInfo?> Spec { get; } = new("--spec") { Description = "Job spec file (JSON with the same fields as these flags; docs/operations.md); the other job flags are then not used" };
    public Option<string[]> Parameters { get; } = new("--param") { Description = "Engine parameter key=value (repeatable); only parameters the engine reads (the real engines read none)", AllowMultipleArgumentsPerToken = false };

    public const int RealRadius = JobRequest.RealRadius;

    public const int DemoRadius = JobRequest.DemoRadius;

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Spec, Genome, Annotation, GeneTypes, Weights, Models, Resources, Genes, Out, Radius, Threshold, Engine, BatchSize, Precision, Parameters })
            command.Options.Add(o);
    }

    /// <summary>True when the job runs on the bundled demo (some input left to its default).</summary>
    public bool UsesDemo(ParseResult parse) => Request(parse).UsesDemo;

    /// <summary>The flags as a request (paths as given; resolved against the working directory).</summary>
    public JobRequest Request(ParseResult parse)
    {
        if (parse.GetValue(Spec) is FileInfo specFile)
            return JobSpecFile.Read(specFile.FullName);
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string kv in parse.GetValue(Parameters) ?? [])
        {
            int eq = kv.IndexOf('=');
            if (eq <= 0) throw new InputException($"--param expects key=value, found '{kv}'");
            parameters[kv[..eq]] = kv[(eq + 1)..];
        }
        return new JobRequest
        {
            Genome = parse.GetValue(Genome)?.FullName,
            Annotation = parse.GetValue(Annotation)?.FullName,
            GeneTypes = parse.GetValue(GeneTypes),
            Beluga = parse.GetValue(Weights)?.FullName,
            Models = parse.GetValue(Models)?.FullName,
            Resources = parse.GetValue(Resources)?.FullName,
            Genes = parse.GetValue(Genes)!,
            Out = parse.GetValue(Out)!.FullName,
            Radius = parse.GetValue(Radius),
            Threshold = parse.GetValue(Threshold),
            Engine = parse.GetValue(Engine)!,
            BatchSize = parse.GetValue(BatchSize),
            Precision = ComputePrecisions.Parse(parse.GetValue(Precision)),
            Parameters = parameters,
        };
    }

    /// <summary>The job: from --spec (relative paths against the spec file's folder) or from the flags, checked against <paramref name="engines"/>.</summary>
    public (JobSpec Spec, IReadOnlyList<GeneRef> Genes) Read(ParseResult parse, EngineCatalog engines) => parse.GetValue(Spec) is FileInfo specFile
        ? Request(parse).Resolve(engines, specFile.DirectoryName, specFile.FullName)
        : Request(parse).Resolve(engines);

    /// <summary>One line per job, then one per failed gene.</summary>
    public static void Print(ExPecto.Protocol.Messages.JobStatusView v, TextWriter w)
    {
        w.WriteLine($"{v.JobId}\t{v.Phase.Name()}\tgenes={v.Genes}\tcommitted={v.Committed}\tfailed={v.Failed}\tleased={v.Leased}\tout={v.OutputDir}");
        foreach (var f in v.FailedGenes)
            w.WriteLine($"  failed {f.GeneId} after {f.Attempts} attempt(s): {f.Error}");
    }
}
