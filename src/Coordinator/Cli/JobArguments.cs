using System.CommandLine;
using System.Globalization;
using ExPecto.Core;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Processing;

namespace ExPecto.Coordinator.Cli;

/// <summary>The options that define a job, shared by `run` and `submit`.</summary>
internal sealed class JobArguments
{
    public Option<FileInfo> Genome { get; } = new("--genome") { Description = "Reference genome FASTA", Required = true };
    public Option<FileInfo> Annotation { get; } = new("--annotation") { Description = "Gene annotation with representative TSS", Required = true };
    public Option<FileInfo> Weights { get; } = new("--weights") { Description = "Beluga weights", Required = true };
    public Option<FileInfo> Models { get; } = new("--models") { Description = "Tissue models list (output column order)", Required = true };
    public Option<FileInfo> Genes { get; } = new("--genes") { Description = "Gene selection: gene_id<TAB>chrom per line", Required = true };
    public Option<DirectoryInfo> Out { get; } = new("--out") { Description = "Output folder", DefaultValueFactory = _ => new DirectoryInfo("expecto-out") };
    public Option<int> Radius { get; } = new("--radius") { Description = "Mutated positions each side of the TSS", DefaultValueFactory = _ => 1000 };
    public Option<double> Threshold { get; } = new("--threshold") { Description = "|effect| for a strong row (natural-log fold change)", DefaultValueFactory = _ => 0.3 };
    public Option<string> Engine { get; } = new("--engine") { Description = "Mutation delta engine (naive, incremental, fake)", DefaultValueFactory = _ => "incremental" };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Windows per model batch", DefaultValueFactory = _ => 64 };
    public Option<string[]> Parameters { get; } = new("--param") { Description = "Engine parameter key=value (repeatable)", AllowMultipleArgumentsPerToken = false };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Genome, Annotation, Weights, Models, Genes, Out, Radius, Threshold, Engine, BatchSize, Parameters })
            command.Options.Add(o);
    }

    public (JobSpec Spec, IReadOnlyList<GeneRef> Genes) Read(ParseResult parse)
    {
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string kv in parse.GetValue(Parameters) ?? [])
        {
            int eq = kv.IndexOf('=');
            if (eq <= 0) throw new InputException($"--param expects key=value, found '{kv}'");
            parameters[kv[..eq]] = kv[(eq + 1)..];
        }
        int radius = parse.GetValue(Radius);
        if (radius < 0) throw new InputException($"--radius must be ≥ 0, found {radius.ToString(CultureInfo.InvariantCulture)}");
        var spec = new JobSpec(
            parse.GetValue(Genome)!.FullName,
            parse.GetValue(Annotation)!.FullName,
            parse.GetValue(Weights)!.FullName,
            parse.GetValue(Models)!.FullName,
            parse.GetValue(Out)!.FullName,
            radius,
            parse.GetValue(Threshold),
            parse.GetValue(Engine)!,
            parse.GetValue(BatchSize)) { Parameters = parameters };
        return (spec, GeneListFile.Read(parse.GetValue(Genes)!.FullName));
    }

    /// <summary>One line per job, then one per failed gene.</summary>
    public static void Print(ExPecto.Protocol.Messages.JobStatusView v, TextWriter w)
    {
        w.WriteLine($"{v.JobId}\t{v.Phase}\tgenes={v.Genes}\tcommitted={v.Committed}\tfailed={v.Failed}\tleased={v.Leased}\tout={v.OutputDir}");
        foreach (var f in v.FailedGenes)
            w.WriteLine($"  failed {f.GeneId} after {f.Attempts} attempt(s): {f.Error}");
    }
}
