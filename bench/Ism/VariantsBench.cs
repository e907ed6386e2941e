using System.Diagnostics;
using System.Globalization;
using ExPecto.Beluga;
using ExPecto.Beluga.Ism;
using ExPecto.Beluga.Weights;
using ExPecto.Core.Annotation;
using ExPecto.Core.Effects;
using ExPecto.Core.Genome;
using ExPecto.Core.Models;
using ExPecto.Core.Variants;
using static TorchSharp.torch;

namespace ExPecto.Bench.Ism;

/// <summary>
/// `expecto-bench-ism variants`: `predict-variants` at the full Beluga shape (random weights) on the SuRE raQTL chr20
/// VCF (../shared/data/sure_raqtl_vanarensbergen2019, hg19 chr20 from ../shared/data/hg19_chr20, ExPecto's real
/// tissue models), today's window path (36 windows a variant) against the region path (the incremental engine, one
/// trunk per region of nearby SNVs) — both with <see cref="VariantEffectPredictor"/>, as the command runs them —
/// and the largest effect difference between the two.
/// </summary>
internal static class VariantsBench
{
    public static int Run(string device, int? limit, int windowVariants, int minSnvsPerRegion)
    {
        string? vcf = SharedData.Find("sure_raqtl_vanarensbergen2019/chr20_raqtls.vcf", out string why1);
        string? chr20 = SharedData.Find("hg19_chr20/hg19_chr20.fa.gz", out string why2);
        string? modelList = SharedData.Find("expecto/resources/modellist", out string why3);
        string? genes = SharedData.Find("expecto/resources/geneanno.csv", out string why4); // ExPecto's representative TSSs
        if (vcf is null || chr20 is null || modelList is null || genes is null)
        {
            Console.WriteLine($"variants bench SKIPPED: {(vcf is null ? why1 : chr20 is null ? why2 : modelList is null ? why3 : why4)}");
            return 0;
        }
        string weightsPath = Path.Combine(Path.GetTempPath(), $"expecto-bench-variants-{Environment.ProcessId}.pth");
        try
        {
            Dictionary<string, Tensor> random = global::Bench.RandomWeights([320, 320, 480, 480, 640, 640], 2003, 2002, seed: 7);
            PyTorchStateDictWriter.Write(weightsPath, random.Select(kv =>
                KeyValuePair.Create(kv.Key, new TensorData(kv.Value.shape, kv.Value.contiguous().data<float>().ToArray()))));
            foreach (Tensor t in random.Values) t.Dispose();

            using var genome = IndexedFasta.Open(chr20);
            var annotation = GeneAnnotation.Load(genes);
            var models = TissueModelSet.Load(modelList, 2002, Path.GetDirectoryName(Path.GetDirectoryName(modelList)));
            var matrix = new EffectMatrix(models);
            var all = VcfReader.ReadAll(vcf, genome, out _, new VcfReadOptions { RefMismatch = RefMismatchPolicy.Warn });
            var variants = all.Take(limit ?? all.Count).ToList();
            using var model = TorchChromatinModel.Load(weightsPath, new TorchChromatinOptions { Device = device });
            using var engine = DeltaEngines.Create(DeltaEngines.Incremental, weightsPath, new DeltaEngineOptions { Device = device, Threads = 1 }); // as predict-variants
            Console.WriteLine($"[variants] full shape, random weights; {variants.Count} of {all.Count} SuRE chr20 variants; {models.Count} real tissue models; device {device}");

            // The window path on the first `windowVariants` (it costs 36 full windows each), the region path on all.
            var windowSet = variants.Take(windowVariants).ToList();
            var (windowRows, windowSeconds, _) = Time(new VariantEffectPredictor(genome, model, matrix, 4), windowSet, annotation);
            var (regionRows, regionSeconds, summary) = Time(new VariantEffectPredictor(genome, model, matrix, 4, engine, minSnvsPerRegion), variants, annotation);
            var (regionSubsetRows, regionSubsetSeconds, _) = Time(new VariantEffectPredictor(genome, model, matrix, 4, engine, minSnvsPerRegion), windowSet, annotation);

            double maxDiff = 0, maxEffect = 0;
            for (int i = 0; i < windowRows.Count; i++)
            {
                for (int t = 0; t < windowRows[i].Effects.Length; t++)
                {
                    maxEffect = Math.Max(maxEffect, Math.Abs(windowRows[i].Effects[t]));
                    maxDiff = Math.Max(maxDiff, Math.Abs(windowRows[i].Effects[t] - regionRows[i].Effects[t]));
                }
            }
            double windowRate = windowRows.Count / windowSeconds;
            double regionRate = regionRows.Count / regionSeconds;
            Console.WriteLine();
            Console.WriteLine("| path | variants | s | variants/s | s for all " + variants.Count + " |");
            Console.WriteLine("|---|---|---|---|---|");
            Console.WriteLine($"| windows (today: 36 windows a variant) | {windowRows.Count} | {windowSeconds:F1} | {windowRate:G3} | {variants.Count / windowRate:F0} (extrapolated) |");
            Console.WriteLine($"| regions (incremental, ≥ {minSnvsPerRegion} SNV a region) on the same {windowSet.Count} | {regionSubsetRows.Count} | {regionSubsetSeconds:F1} | {regionSubsetRows.Count / regionSubsetSeconds:G3} | – |");
            // A region's cost is mostly its trunk, so the whole VCF is extrapolated per region (and per variant for comparison).
            // Windowed variants at the window path's rate; the rest of the time per region opened.
            var (allRegions, allWindowed) = CountRegions(all, minSnvsPerRegion);
            long windowed = summary.Scored - summary.ScoredIncremental;
            double perRegion = Math.Max(0, regionSeconds - windowed / windowRate) / Math.Max(1, summary.IncrementalRegions);
            double allByRegions = perRegion * allRegions + allWindowed / windowRate;
            Console.WriteLine($"| regions (incremental, ≥ {minSnvsPerRegion} SNV a region) | {regionRows.Count} | {regionSeconds:F1} | {regionRate:G3} | " +
                              $"{regionSeconds:F0} (measured) |");
            Console.WriteLine($"speed-up of predict-variants on these {variants.Count} SuRE chr20 variants: {regionRate / windowRate:F1}× (the window path's rate from its {windowRows.Count} variants)");
            Console.WriteLine($"  regions: {summary.IncrementalRegions} opened for {summary.ScoredIncremental} SNVs; {summary.Scored - summary.ScoredIncremental} variants by windows");
            if (variants.Count < all.Count)
                Console.WriteLine($"  all {all.Count} variants (extrapolated): windows {all.Count / windowRate:F0} s; regions {allByRegions:F0} s = {perRegion:F2} s a region × {allRegions} regions + {allWindowed} variants by windows " +
                                  $"→ {all.Count / windowRate / allByRegions:F1}× (per variant instead: {all.Count / regionRate:F0} s, {regionRate / windowRate:F1}×)");
            Console.WriteLine($"  max |regions − windows| effect over the first {windowRows.Count} variants × {models.Count} tissues: {maxDiff:G3} (max |effect| {maxEffect:G3})");
            return 0;
        }
        finally
        {
            File.Delete(weightsPath);
        }
    }

    private static (List<VariantEffectRow> Rows, double Seconds, VariantEffectSummary Summary) Time(VariantEffectPredictor predictor, List<VariantRecord> variants, GeneAnnotation annotation)
    {
        var clock = Stopwatch.StartNew();
        var rows = predictor.Predict(predictor.AssignNearest(variants, annotation)).ToList();
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  {(predictor.Summary.ScoredIncremental > 0 ? "regions" : "windows")}: {rows.Count} variants in {seconds:F1} s");
        return (rows, seconds, predictor.Summary);
    }

    /// <summary>
    /// For the SNVs of <paramref name="variants"/> (one contig): the regions the region path opens (a new one after a
    /// gap of more than 3,599 bp, kept when it holds at least <paramref name="minSnvs"/>) and the variants left to windows.
    /// </summary>
    private static (int Regions, int Windowed) CountRegions(IReadOnlyList<VariantRecord> variants, int minSnvs)
    {
        var pos = variants.Where(v => v.Ref.Length == 1 && v.Alt.Length == 1).Select(v => v.Pos).Order().ToList();
        int regions = 0, windowed = variants.Count - pos.Count, size = 0;
        for (int i = 0; i <= pos.Count; i++)
        {
            if (i > 0 && (i == pos.Count || pos[i] - pos[i - 1] > 3599))
            {
                if (size >= minSnvs) regions++;
                else windowed += size;
                size = 0;
            }
            size++;
        }
        return (regions, windowed);
    }
}
