using System.CommandLine;
using ExPecto.Beluga;
using ExPecto.Beluga.Ism;
using ExPecto.Core;
using ExPecto.Core.Annotation;
using ExPecto.Core.Chromatin;
using ExPecto.Core.Effects;
using ExPecto.Core.Genome;
using ExPecto.Core.Models;
using ExPecto.Core.Mutagenesis;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto mutagenesis`: in silico saturation mutagenesis around TSSs in this process (no cluster).</summary>
internal static class MutagenesisCommand
{
    public static Command Create()
    {
        // One meaning of the batch size with `run` and the workers: mutations per engine batch (same default: 0 = the
        // device kind's, resolved by ScienceOptions).
        var science = new ScienceOptions(JobArguments.BatchSizeMeaning, 0);
        var genes = new Option<string>("--genes") { Description = "Genes: ID,ID,… | @file | chrom:chr20 | all", DefaultValueFactory = _ => "all" };
        var radius = new Option<int>("--radius") { Description = "Mutate every position TSS−R..TSS+R (ExPecto: 1000)", DefaultValueFactory = _ => MutagenesisOptions.DefaultRadius };
        var output = new Option<string>("--out") { Description = "Dataset folder (effects/, strong_effects/, genes.parquet)", Required = true };
        var engine = new Option<string>("--engine") { Description = "incremental (exact, fast) or naive (every window in full; the reference)", DefaultValueFactory = _ => "incremental" };
        var threshold = new Option<double>("--threshold") { Description = "|effect| at or above this goes to strong_effects/ (ExPecto's catalogue: 0.3)", DefaultValueFactory = _ => MutagenesisOptions.DefaultStrongThreshold };
        var precision = JobArguments.PrecisionOption();
        var command = new Command("mutagenesis", "Score every substitution within ±radius of each gene's TSS in every tissue; write a Parquet dataset");
        science.AddTo(command);
        foreach (Option o in new Option[] { genes, radius, output, engine, threshold, precision }) command.Options.Add(o);
        command.SetAction((parse, ct) =>
        {
            var inputs = science.Resolve(parse);
            int r = parse.GetValue(radius);
            if (r < 0) throw new InputException($"--radius must be ≥ 0, got {r}");
            using var genome = IndexedFasta.Open(inputs.Genome);
            var annotation = ScienceOptions.LoadAnnotation(inputs, genome);
            var selected = annotation.Select(parse.GetValue(genes)!);
            if (inputs.Torch.Threads is int threads) TorchSharp.torch.set_num_threads(threads);
            var p = ComputePrecisions.Parse(parse.GetValue(precision));
            TorchDevices.CheckPrecision(TorchDevices.Parse(inputs.Torch.Device), p, inputs.Torch.Device); // before loading the weights
            PrecisionMarker.Claim(parse.GetValue(output)!, p);
            using var deltaEngine = DeltaEngines.Create(parse.GetValue(engine)!, inputs.Beluga,
                new DeltaEngineOptions { Device = inputs.Torch.Device, MutationsPerBatch = inputs.Torch.BatchSize, Precision = p });
            var models = TissueModelSet.Load(inputs.Models, deltaEngine.FeatureCount); // F comes from the weight file
            var options = new MutagenesisOptions
            {
                OutputDirectory = parse.GetValue(output)!,
                Radius = r,
                StrongThreshold = parse.GetValue(threshold),
                BatchSize = inputs.Torch.BatchSize,
            };
            var runner = new MutagenesisRunner(deltaEngine, new ExpectoEffectProjector(models), options);
            var list = selected.Select(g => new MutagenesisGene(g.Id, g.Chrom, g.Strand, g.Tss)).ToList();
            Console.Error.WriteLine($"expecto: saturation mutagenesis of {list.Count} genes, radius {r} ({3 * (2 * r + 1)} mutations per gene), {models.Count} tissues, engine {deltaEngine.Name}, precision {p.Name()}");
            var summary = runner.Run(list, (chrom, start0, length) => Encoding(genome, chrom, start0, length), p =>
            {
                string eta = p.Eta is TimeSpan e ? $", ETA {e:hh\\:mm\\:ss}" : "";
                Console.Error.WriteLine($"genes {p.GenesDone}/{p.GenesTotal} ({p.GenesSkipped} already complete), {p.MutationsPerSecond:F0} mutations/s{eta}  [{p.Result.Gene}{(p.Skipped ? " skipped" : "")}]");
            }, null, ct);
            Console.Error.WriteLine($"expecto: {summary.GenesComputed} genes computed, {summary.GenesSkipped} already complete; {summary.MutationsComputed} mutations, " +
                $"{summary.StrongRows} strong effects (|effect| ≥ {options.StrongThreshold}); {summary.Elapsed.TotalSeconds:F1} s");
            Console.Out.WriteLine(Path.GetFullPath(options.OutputDirectory));
            return Task.FromResult(0);
        });
        return command;
    }

    private static byte[] Encoding(IndexedFasta genome, string chrom, long start0, int length)
    {
        var buffer = new byte[length];
        genome.Fetch(chrom, start0, buffer);
        return buffer;
    }
}

/// <summary>
/// DIR/PRECISION for a dataset computed at a non-fp32 precision (`bf16\n`); absent means fp32. A dataset is resumed
/// (complete genes skipped) only at the precision it was started with, so fast and exact genes never mix.
/// </summary>
internal static class PrecisionMarker
{
    public const string FileName = "PRECISION";

    /// <exception cref="InputException">DIR holds a dataset of another precision.</exception>
    public static void Claim(string directory, ComputePrecision precision)
    {
        string path = Path.Combine(directory, FileName);
        ComputePrecision existing = File.Exists(path)
            ? ComputePrecisions.Parse(File.ReadAllText(path), path)
            : Directory.Exists(Path.Combine(directory, ExPecto.Core.Output.MutagenesisLayout.EffectsFolder)) ? ComputePrecision.Fp32 : precision;
        if (existing != precision)
            throw new InputException(directory, null, $"holds a dataset computed at {ComputePrecisions.OptionName} {existing.Name()}; " +
                $"resume it with {ComputePrecisions.OptionName} {existing.Name()} or write {precision.Name()} to another --out folder");
        if (precision != ComputePrecision.Fp32 && !File.Exists(path))
        {
            Directory.CreateDirectory(directory);
            ExPecto.Core.Output.AtomicFile.WriteIfChanged(path, System.Text.Encoding.ASCII.GetBytes(precision.Name() + "\n"));
        }
    }
}
