using System.CommandLine;
using System.Diagnostics;
using ExPecto.Beluga;
using ExPecto.Beluga.Ism;
using ExPecto.Core;
using ExPecto.Core.Annotation;
using ExPecto.Core.Effects;
using ExPecto.Core.Genome;
using ExPecto.Core.Models;
using ExPecto.Core.Output;
using ExPecto.Core.Variants;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto predict-variants`: ExPecto's chromatin.py + predict.py on a VCF.</summary>
internal static class PredictVariantsCommand
{
    public static Command Create()
    {
        var science = new ScienceOptions();
        var vcf = new Option<string?>("--vcf") { Description = "Variants: VCF (plain, gzip or BGZF; headers optional); default: the demo variants" };
        var output = new Option<string>("--out") { Description = "Output: a table (.parquet, .tsv or .csv) or a VCF (.vcf, or .vcf.gz/.vcf.bgz for BGZF) with the effects in INFO EXPECTO", Required = true };
        var refMismatch = new Option<string>("--ref-mismatch") { Description = "When REF disagrees with the genome: error, warn (score it, count it) or skip", DefaultValueFactory = _ => "warn" };
        var closest = new Option<string?>("--closest-gene") { Description = "ExPecto closest-gene file (BEDOPS closest-features output) instead of the nearest TSS of --annotation" };
        var engine = new Option<string>("--engine")
        {
            Description = "auto (SNVs, grouped into regions of nearby ones, through the incremental engine at Beluga's width, where that is faster; windows otherwise), " +
                          "incremental (every SNV region through it), naive (36 full windows a variant, as ExPecto; the reference). Results agree to 1e-5",
            DefaultValueFactory = _ => "auto",
        };
        var command = new Command("predict-variants", "Predict each variant's expression effect (log fold change, alt − ref) in every tissue model");
        science.AddTo(command);
        foreach (Option o in new Option[] { vcf, output, refMismatch, closest, engine }) command.Options.Add(o);
        command.SetAction((parse, ct) =>
        {
            var inputs = science.Resolve(parse);
            string vcfPath = parse.GetValue(vcf) ?? Demo.Variants(Demo.Directory());
            var policy = ScienceOptions.ParsePolicy(parse.GetValue(refMismatch)!);
            string mode = parse.GetValue(engine)!.ToLowerInvariant();
            if (mode is not ("auto" or "incremental" or "naive"))
                throw new InputException($"--engine must be auto, incremental or naive, got '{parse.GetValue(engine)}'");
            return Task.FromResult(Run(inputs, vcfPath, parse.GetValue(output)!, policy, parse.GetValue(closest), mode, ct));
        });
        return command;
    }

    /// <summary>
    /// `--engine auto` takes the region path when the last convolution is at least this wide, for regions of at least
    /// <see cref="AutoMinSnvsPerRegion"/> SNVs. Measured (`bench/run.sh variants`, bench/README.md): at Beluga's width
    /// a lone SNV's region (a 3.6 kb trunk at the 2 pooling phases per strand its windows use) is 7× cheaper than its
    /// 36 windows, and SNVs sharing a region cheaper still (6.0× over 64 SuRE chr20 variants on the 2-core machine); at
    /// the test fixtures' width (32) the trunk's per-op overhead makes windows ~3× faster.
    /// </summary>
    public const int AutoMinConvWidth = 320;

    /// <inheritdoc cref="AutoMinConvWidth"/>
    public const int AutoMinSnvsPerRegion = 1;

    private static int Run(ResolvedInputs inputs, string vcfPath, string outPath, RefMismatchPolicy policy, string? closestGene, string mode, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        string ext = Path.GetExtension(outPath).ToLowerInvariant();
        if (!VcfEffectsWriter.IsVcfPath(outPath) && ext is not (".parquet" or ".tsv" or ".txt" or ".csv"))
            throw new InputException(outPath, null, "output must end in .parquet, .tsv, .csv, .vcf, .vcf.gz or .vcf.bgz");
        using var genome = IndexedFasta.Open(inputs.Genome);
        var annotation = closestGene is null ? ScienceOptions.LoadAnnotation(inputs, genome) : null;
        using var model = TorchChromatinModel.Load(inputs.Beluga, inputs.Torch);
        var models = TissueModelSet.Load(inputs.Models, model.FeatureCount); // F comes from the weight file
        var matrix = new EffectMatrix(models);
        bool regions = mode == "incremental" || (mode == "auto" && model.Shape.ConvChannels[5] >= AutoMinConvWidth);
        // The region path's engine reads the same weights (its own layout of them). Threads = 1: regions come one at a
        // time, mostly one batch each, so libtorch's own threads (--threads) serve them better than batch workers.
        using var engine = regions ? DeltaEngines.Create(DeltaEngines.Incremental, inputs.Beluga, new DeltaEngineOptions { Device = inputs.Torch.Device, Threads = 1 }) : null;
        var predictor = new VariantEffectPredictor(genome, model, matrix, Math.Max(1, inputs.Torch.BatchSize / 9), engine,
            mode == "incremental" ? 1 : AutoMinSnvsPerRegion);
        long warned = 0;
        var reader = new VcfReader(vcfPath, genome, new VcfReadOptions
        {
            RefMismatch = policy,
            Warning = w => { if (warned++ < 10) Console.Error.WriteLine($"expecto: warning: {w}"); },
        });
        var assigned = closestGene is null
            ? predictor.AssignNearest(reader.Read(), annotation!)
            : VariantEffectPredictor.AssignFromClosestGeneFile(reader.Read(), closestGene);
        var keys = new[]
        {
            new KeyColumn("chrom", KeyKind.Text), new KeyColumn("pos", KeyKind.Integer), new KeyColumn("ref", KeyKind.Text),
            new KeyColumn("alt", KeyKind.Text), new KeyColumn("gene", KeyKind.Text), new KeyColumn("strand", KeyKind.Text),
            new KeyColumn("dist", KeyKind.Integer),
        };
        var progress = new Progress("variants");
        long rows;
        if (VcfEffectsWriter.IsVcfPath(outPath))
        {
            using var vcfOut = new VcfEffectsWriter(outPath, vcfPath, models.TissueNames.ToList(), genome);
            foreach (var row in predictor.Predict(assigned, ct))
            {
                var a = row.Assigned;
                vcfOut.Append(a.Variant, a.GeneId, a.Strand, a.Distance, row.Effects);
                progress.Tick(vcfOut.Rows);
            }
            vcfOut.Complete();
            rows = vcfOut.Rows;
        }
        else
        {
            using var table = new ResultTableWriter(outPath, keys, models.TissueNames.ToList());
            foreach (var row in predictor.Predict(assigned, ct))
            {
                var v = row.Assigned.Variant;
                table.Append([v.Chrom, v.Pos, v.Ref, v.Alt, row.Assigned.GeneId, row.Assigned.Strand > 0 ? "+" : "-", row.Assigned.Distance], row.Effects);
                progress.Tick(table.Rows);
            }
            table.Complete();
            rows = table.Rows;
        }
        progress.Done(rows);
        var read = reader.Summary;
        var skipped = read.SkippedByReason.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key}={kv.Value}")
            .Concat(predictor.Summary.Skipped.Select(kv => $"{kv.Key}={kv.Value}")).ToList();
        Console.Error.WriteLine(
            $"expecto: variants read {read.AllelesRead}, scored {predictor.Summary.Scored}, REF mismatches {read.RefMismatches}, " +
            $"skipped {read.SkippedTotal + predictor.Summary.Skipped.Values.Sum()}{(skipped.Count > 0 ? " (" + string.Join(", ", skipped) + ")" : "")}; " +
            $"{models.Count} tissues; {clock.Elapsed.TotalSeconds:F1} s" +
            (engine is null ? "" : $"; {predictor.Summary.ScoredIncremental} SNVs in {predictor.Summary.IncrementalRegions} regions through the incremental engine"));
        Console.Out.WriteLine(Path.GetFullPath(outPath));
        return 0;
    }
}
