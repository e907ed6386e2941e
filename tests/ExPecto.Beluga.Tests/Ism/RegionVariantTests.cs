using ExPecto.Beluga.Ism;
using ExPecto.Beluga.Weights;
using ExPecto.Core.Effects;
using ExPecto.Core.Genome;
using ExPecto.Core.Models;
using ExPecto.Core.Variants;
using static TorchSharp.torch;

namespace ExPecto.Beluga.Tests.Ism;

/// <summary>
/// predict-variants' region path (SNVs through the incremental engine, one trunk per region of nearby SNVs) against
/// the window path (36 full windows a variant), on random reduced weights and a random contig.
/// </summary>
public sealed class RegionVariantTests : IDisposable
{
    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Regions_equal_windows_across_split_runs_contig_edges_ref_mismatches_and_indels()
    {
        var weights = IsmTestSupport.RandomStateDict(20181203, [16, 16, 24, 24, 32, 32], 64);
        try
        {
            var data = weights.ToDictionary(kv => kv.Key, kv => new TensorData(kv.Value.shape, kv.Value.contiguous().data<float>().ToArray()));
            using var model = TorchChromatinModel.FromStateDict(data);
            using var engine = DeltaEngines.Create(DeltaEngines.Incremental, weights);

            var rng = new Random(5);
            byte[] bases = new byte[70_000];
            for (int i = 0; i < bases.Length; i++) bases[i] = (byte)"ACGT"[rng.Next(4)];
            for (int i = 30_000; i < 30_050; i++) bases[i] = (byte)'N';
            string fasta = _tmp.File("g.fa");
            FastaWriter.WritePlain(fasta, [new FastaRecord("chrT", bases)]);
            using var genome = IndexedFasta.Open(fasta);

            var tissues = Enumerable.Range(0, 2).Select(t =>
                new TissueModel($"t{t}", 0, 0, Enumerable.Range(0, 10 * IsmTestSupport.Features).Select(_ => (rng.NextDouble() * 2 - 1) * 0.1).ToArray())).ToList(); // |w| ≤ 0.1: effects O(0.1), as real models give
            var matrix = new EffectMatrix(new TissueModelSet(tissues));

            string Base(long pos) => ((char)bases[pos - 1]).ToString();
            string Other(long pos, int k) => "ACGT".Where(c => c != (char)bases[pos - 1]).ElementAt(k % 3).ToString();
            var variants = new List<VariantRecord>();
            // A run of SNVs 1.5 kb apart over 61 kb: longer than MaxRegionLength, so it is split; two ALTs at one site.
            for (long pos = 100, k = 0; pos <= 61_000; pos += 1500, k++) variants.Add(new("chrT", pos, ".", Base(pos), Other(pos, (int)k), variants.Count + 1));
            variants.Add(new("chrT", 4600, ".", Base(4600), Other(4600, 1), variants.Count + 1));
            variants.Add(new("chrT", 69_950, ".", Base(69_950), Other(69_950, 2), variants.Count + 1));       // alone, at the contig end
            variants.Add(new("chrT", 9100, ".", Other(9100, 0), Base(9100), variants.Count + 1));            // REF ≠ genome: windows
            variants.Add(new("chrT", 12_000, ".", Base(12_000) + Base(12_001), Base(12_000), variants.Count + 1)); // deletion: windows
            var assigned = variants.Select((v, i) => new GeneAssignedVariant(v, "G", i % 2 == 0 ? 1 : -1, v.Pos - 31_000)).ToList();

            var windows = new VariantEffectPredictor(genome, model, matrix, 4).Predict(assigned, TestContext.Current.CancellationToken).ToList();
            var byRegions = new VariantEffectPredictor(genome, model, matrix, 4, engine);
            var regions = byRegions.Predict(assigned, TestContext.Current.CancellationToken).ToList();

            Assert.Equal(windows.Select(r => r.Assigned), regions.Select(r => r.Assigned));
            double maxEffect = windows.Max(r => r.Effects.Max(Math.Abs));
            double maxDiff = windows.Zip(regions, (a, b) => a.Effects.Zip(b.Effects, (x, y) => Math.Abs(x - y)).Max()).Max();
            TestContext.Current.TestOutputHelper?.WriteLine($"{regions.Count} variants, {byRegions.Summary.IncrementalRegions} regions: max |effect| {maxEffect:g3}, max |regions − windows| {maxDiff:g3}");
            Assert.True(maxEffect > 1e-2, $"effects too small ({maxEffect:g3}) for the comparison to mean anything");
            Assert.True(maxDiff <= 1e-5, $"region path differs from the window path by up to {maxDiff:g3}");
            Assert.Equal(variants.Count - 2, byRegions.Summary.ScoredIncremental);
            Assert.True(byRegions.Summary.IncrementalRegions >= 3, $"{byRegions.Summary.IncrementalRegions} regions: the 61 kb run was not split");
        }
        finally
        {
            IsmTestSupport.Dispose(weights);
        }
    }
}
