using System.CommandLine;
using ExPecto.Beluga;
using ExPecto.Core;
using ExPecto.Core.Variants;

namespace ExPecto.Coordinator.Cli;

/// <summary>The inputs every science command shares. Omitted paths default to the bundled demo.</summary>
/// <param name="batchSizeMeaning">What --batch-size counts for this command (mutagenesis: mutations per engine call, as in `run`).</param>
internal sealed class ScienceOptions(string batchSizeMeaning = "Windows per forward pass", int batchSizeDefault = 32)
{
    public Option<string?> Genome { get; } = new("--genome") { Description = "Indexed FASTA (plain + .fai, or BGZF + .fai + .gzi); default: the bundled demo genome" };
    public Option<string?> Annotation { get; } = new("--annotation") { Description = "Genes: ExPecto geneanno.csv or a TSS BED; default: the demo genes" };
    public Option<string?> Beluga { get; } = new("--beluga") { Description = "Beluga weights (PyTorch state dict, zip or legacy); default: the demo weights (NOT biological)" };
    public Option<string?> Models { get; } = new("--models") { Description = "ExPecto modellist (TSV ModelName, Tissue); default: the demo models (NOT biological)" };
    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or cuda:N (CUDA needs the CUDA build)", DefaultValueFactory = _ => "cpu" };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = batchSizeMeaning, DefaultValueFactory = _ => batchSizeDefault };
    public Option<int?> Threads { get; } = new("--threads") { Description = "CPU threads for inference (default: libtorch's choice)" };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Genome, Annotation, Beluga, Models, Device, BatchSize, Threads })
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
        if (batch < 1) throw new InputException($"--batch-size must be at least 1, got {batch}");
        return new ResolvedInputs(
            genome ?? Cli.Demo.Genome(demoDir!),
            annotation ?? Cli.Demo.Annotation(demoDir!),
            beluga ?? Cli.Demo.Beluga(demoDir!),
            models ?? Cli.Demo.ModelList(demoDir!),
            new TorchChromatinOptions { Device = parse.GetValue(Device)!, BatchSize = batch, Threads = parse.GetValue(Threads) });
    }

    public static RefMismatchPolicy ParsePolicy(string value) => value.ToLowerInvariant() switch
    {
        "error" => RefMismatchPolicy.Error,
        "warn" => RefMismatchPolicy.Warn,
        "skip" => RefMismatchPolicy.Skip,
        _ => throw new InputException($"--ref-mismatch must be error, warn or skip, got '{value}'"),
    };
}

internal sealed record ResolvedInputs(string Genome, string Annotation, string Beluga, string Models, TorchChromatinOptions Torch);
