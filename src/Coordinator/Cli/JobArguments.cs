using System.CommandLine;
using System.Globalization;
using ExPecto.Core;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Processing;

namespace ExPecto.Coordinator.Cli;

/// <summary>The options that define a job, shared by `run` and `submit`.</summary>
internal sealed class JobArguments
{
    public Option<FileInfo?> Genome { get; } = new("--genome") { Description = "Reference genome FASTA (indexed); default: the bundled demo" };
    public Option<FileInfo?> Annotation { get; } = new("--annotation") { Description = "Gene annotation (geneanno.csv or TSS BED); default: the demo genes" };
    public Option<FileInfo?> Weights { get; } = new("--beluga", "--weights") { Description = "Beluga weights (PyTorch state dict); default: the demo weights (NOT biological)" };
    public Option<FileInfo?> Models { get; } = new("--models") { Description = "ExPecto modellist (output column order); default: the demo models (NOT biological)" };
    public Option<DirectoryInfo?> Resources { get; } = new("--resources") { Description = "ExPecto's resources as ExPecto ships them (deepsea.beluga.pth, hg19.fa, geneanno.csv, modellist + models), DIR or DIR/resources" };
    public Option<string> Genes { get; } = new("--genes") { Description = "Genes: ID,ID,… | @file | chrom:chr20 | all | a gene_id<TAB>chrom file", DefaultValueFactory = _ => "all" };
    public Option<DirectoryInfo> Out { get; } = new("--out") { Description = "Output folder", DefaultValueFactory = _ => new DirectoryInfo("expecto-out") };
    public Option<int?> Radius { get; } = new("--radius") { Description = $"Mutated positions each side of the TSS (default {RealRadius}; {DemoRadius} on the bundled demo)" };
    public Option<double> Threshold { get; } = new("--threshold") { Description = "|effect| for a strong row (natural-log fold change)", DefaultValueFactory = _ => 0.3 };
    public Option<string> Engine { get; } = new("--engine") { Description = "Mutation delta engine (incremental, naive, fake)", DefaultValueFactory = _ => "incremental" };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Mutations per engine batch", DefaultValueFactory = _ => 64 };
    public Option<string[]> Parameters { get; } = new("--param") { Description = "Engine parameter key=value (repeatable)", AllowMultipleArgumentsPerToken = false };

    /// <summary>ExPecto's saturation mutagenesis radius (2,001 positions).</summary>
    public const int RealRadius = 1000;

    /// <summary>The demo's radius: 32 genes × 603 mutations finish in about two minutes on 2 cores.</summary>
    public const int DemoRadius = 100;

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Genome, Annotation, Weights, Models, Resources, Genes, Out, Radius, Threshold, Engine, BatchSize, Parameters })
            command.Options.Add(o);
    }

    /// <summary>True when the job runs on the bundled demo (some input left to its default).</summary>
    public bool UsesDemo(ParseResult parse) => parse.GetValue(Resources) is null &&
        (parse.GetValue(Genome) is null || parse.GetValue(Annotation) is null || parse.GetValue(Weights) is null || parse.GetValue(Models) is null);

    public (JobSpec Spec, IReadOnlyList<GeneRef> Genes) Read(ParseResult parse)
    {
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string kv in parse.GetValue(Parameters) ?? [])
        {
            int eq = kv.IndexOf('=');
            if (eq <= 0) throw new InputException($"--param expects key=value, found '{kv}'");
            parameters[kv[..eq]] = kv[(eq + 1)..];
        }
        string? genome = parse.GetValue(Genome)?.FullName, annotation = parse.GetValue(Annotation)?.FullName,
            weights = parse.GetValue(Weights)?.FullName, models = parse.GetValue(Models)?.FullName;
        bool demo = false;
        if (parse.GetValue(Resources) is DirectoryInfo resources)
        {
            string dir = Directory.Exists(Path.Combine(resources.FullName, "resources")) ? Path.Combine(resources.FullName, "resources") : resources.FullName;
            genome ??= Path.Combine(dir, "hg19.fa");
            annotation ??= Path.Combine(dir, "geneanno.csv");
            weights ??= Path.Combine(dir, "deepsea.beluga.pth");
            models ??= Path.Combine(dir, "modellist");
        }
        else if (genome is null || annotation is null || weights is null || models is null)
        {
            demo = true;
            string d = Demo.Directory();
            if (weights is null || models is null) Demo.EnsureWeights(d);
            genome ??= Demo.Genome(d);
            annotation ??= Demo.Annotation(d);
            weights ??= Demo.Beluga(d);
            models ??= Demo.ModelList(d);
        }
        foreach (var (what, path) in new[] { ("--genome", genome), ("--annotation", annotation), ("--beluga", weights), ("--models", models) })
            if (!File.Exists(path)) throw new InputException($"{what}: {path} does not exist");
        int radius = parse.GetValue(Radius) ?? (demo ? DemoRadius : RealRadius);
        if (radius < 0) throw new InputException($"--radius must be ≥ 0, found {radius.ToString(CultureInfo.InvariantCulture)}");
        int batch = parse.GetValue(BatchSize);
        if (batch < 1) throw new InputException($"--batch-size must be ≥ 1, found {batch.ToString(CultureInfo.InvariantCulture)}");
        var spec = new JobSpec(genome, annotation, weights, models, parse.GetValue(Out)!.FullName, radius,
            parse.GetValue(Threshold), parse.GetValue(Engine)!, batch) { Parameters = parameters };
        return (spec, SelectGenes(parse.GetValue(Genes)!, annotation));
    }

    /// <summary>A gene_id&lt;TAB&gt;chrom file when the value names one, else a selection from the annotation.</summary>
    private static IReadOnlyList<GeneRef> SelectGenes(string value, string annotationPath)
    {
        if (!value.StartsWith('@') && File.Exists(value))
            return GeneListFile.Read(Path.GetFullPath(value));
        var genes = ExPecto.Core.Annotation.GeneAnnotation.Load(annotationPath).Select(value);
        if (genes.Count == 0) throw new InputException($"--genes '{value}' selects no gene of {annotationPath}");
        return genes.Select(g => new GeneRef(g.Id, g.Chrom)).ToList();
    }

    /// <summary>One line per job, then one per failed gene.</summary>
    public static void Print(ExPecto.Protocol.Messages.JobStatusView v, TextWriter w)
    {
        w.WriteLine($"{v.JobId}\t{v.Phase}\tgenes={v.Genes}\tcommitted={v.Committed}\tfailed={v.Failed}\tleased={v.Leased}\tout={v.OutputDir}");
        foreach (var f in v.FailedGenes)
            w.WriteLine($"  failed {f.GeneId} after {f.Attempts} attempt(s): {f.Error}");
    }
}
