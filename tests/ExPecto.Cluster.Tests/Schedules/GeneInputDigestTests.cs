using ExPecto.TestHooks;
using ExPecto.Coordinator.Jobs;
using ExPecto.Core.Mutagenesis;
using ExPecto.Protocol.Jobs;

namespace ExPecto.Cluster.Tests.Schedules;

/// <summary>Per-gene input digests: a change reaches exactly the genes whose output depends on it.</summary>
public sealed class GeneInputDigestTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly ScheduleInputs _inputs;

    public GeneInputDigestTests() => _inputs = new ScheduleInputs(_tmp.Sub("in"), 6);

    public void Dispose() => _tmp.Dispose();

    private IReadOnlyDictionary<string, string> Digests(string? specText = null)
    {
        var (spec, genes) = JobSpecFile.Parse("spec.json", specText ?? _inputs.SpecText()).Resolve(FakeEngine.Catalog(), _inputs.Dir, "spec.json");
        return GeneInputDigest.ForGenes(spec, JobIdentity.DigestInputs(spec), genes);
    }

    private static string[] Differing(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Keys.Where(k => a[k] != b[k]).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Digests_are_stable_and_distinct_per_gene()
    {
        var first = Digests();
        var second = Digests();

        Assert.Equal(_inputs.GeneIds, first.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(first, second);
        Assert.Equal(6, first.Values.Distinct().Count());
        Assert.All(first.Values, d => Assert.Matches("^[0-9a-f]{64}$", d));
    }

    [Fact]
    public void Changing_one_genes_annotation_row_changes_only_that_genes_digest()
    {
        var before = Digests();
        _inputs.SetTss("ENSG00003", 1501);

        Assert.Equal(["ENSG00003"], Differing(before, Digests()));
    }

    [Fact]
    public void Changing_one_base_in_one_genes_region_changes_only_that_genes_digest()
    {
        var before = Digests();
        _inputs.ChangeBase(ScheduleInputs.ChromOf(4), 2999); // chr5 holds ENSG00005; its region covers the whole 3 kb contig

        Assert.Equal(["ENSG00005"], Differing(before, Digests()));
    }

    [Fact]
    public void Changing_a_model_file_or_a_parameter_changes_every_digest()
    {
        var before = Digests();
        File.WriteAllText(Path.Combine(_inputs.Dir, "Lung.model"), "lung v2");
        var afterModel = Digests();
        var afterParameter = Digests(_inputs.SpecText().Replace("\"threshold\": 0.3", "\"threshold\": 0.4", StringComparison.Ordinal));

        Assert.Equal(_inputs.GeneIds, Differing(before, afterModel));
        Assert.Equal(_inputs.GeneIds, Differing(afterModel, afterParameter));
    }

    [Fact]
    public void The_output_folder_is_not_part_of_a_digest()
    {
        var before = Digests();
        var elsewhere = Digests(_inputs.SpecText().Replace(_inputs.Out, _inputs.Out + "-other", StringComparison.Ordinal));

        Assert.Empty(Differing(before, elsewhere));
    }

    [Theory]
    [InlineData(1_000_000L, 0)]
    [InlineData(1_000_000L, 1000)]
    [InlineData(5L, 100)]
    public void The_digested_region_encloses_the_mutagenesis_region_and_the_tss_feature_windows(long tss, int radius)
    {
        var (start0, end0) = GeneInputDigest.Region(tss, radius);
        var mutagenesis = MutagenesisRegion.For(tss, radius);

        Assert.True(start0 <= mutagenesis.Start0 && mutagenesis.End0 <= end0);
        // The farthest TSS feature windows: centres at TSS ± 20,000 bp, each [centre − 999, centre + 1000] (1-based).
        Assert.True(start0 <= tss - 20_000 - 999 - 1 && tss + 20_000 + 1000 <= end0);
        Assert.Equal(2L * (radius + GeneInputDigest.Flank) + 1, end0 - start0);
    }
}
