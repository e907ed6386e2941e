using System.Security.Cryptography;
using ExPecto.Core.Mutagenesis;
using ExPecto.Core.Output;
using ExPecto.Core.Tests.Mutagenesis;
using ExPecto.Core.Transforms;

namespace ExPecto.Core.Tests.Output;

/// <summary>
/// Runs small saturation scans end to end (fake engine, reference projector) and reads the dataset back with DuckDB,
/// an independent Parquet reader.
/// </summary>
public sealed class MutagenesisDatasetTests : IDisposable
{
    private const int Features = 6;
    private const int Radius = 20;
    private const int RowsPerGene = 3 * (2 * Radius + 1);
    private static readonly string[] _tissues = ["Brain - Cortex (BA9)", "Whole Blood", "Cells - EBV-transformed lymphocytes", "Liver"];

    private readonly TempDir _dir = new();
    private readonly Dictionary<string, SyntheticGenome> _genomes = new()
    {
        ["chr7"] = new SyntheticGenome("chr7", 30_000, seed: 7),
        ["chrX"] = new SyntheticGenome("chrX", 12_000, seed: 8),
        ["1"] = new SyntheticGenome("1", 12_000, seed: 9),
    };
    private readonly ReferenceProjector _projector = ReferenceProjector.Random(_tissues, Features, scale: 0.08, seed: 3);

    private static readonly MutagenesisGene[] _genes =
    [
        new("GENE_PLUS.1", "chr7", +1, 8_000),
        new("GENE-MINUS", "chr7", -1, 15_000),
        new("ENSG00000000003", "chrX", -1, 6_000),
    ];

    public void Dispose() => _dir.Dispose();

    private string Root => _dir.Path;

    private string EffectsGlob => Duck.Lit(Path.Combine(Root, "effects", "*", "*.parquet"));

    private string StrongGlob => Duck.Lit(Path.Combine(Root, "strong_effects", "*", "*.parquet"));

    private string GenesFile => Duck.Lit(Path.Combine(Root, "genes.parquet"));

    private byte[] Fetch(string chrom, long start0, int length) => _genomes[chrom].Fetch(chrom, start0, length);

    /// <summary>A run's summary and the gene results its progress reports carried, in run order.</summary>
    private sealed record Outcome(
        MutagenesisRunSummary Summary, List<GeneResult> Genes, List<MutagenesisProgress> Progress, List<MutagenesisBatchProgress> Batches);

    private Outcome RunAll(
        IEnumerable<MutagenesisGene>? genes = null,
        FakeDeltaEngine? engine = null,
        double threshold = 0.3,
        int batchSize = 16,
        int rowGroupRows = 50,
        IEffectProjector? projector = null,
        TimeProvider? time = null)
    {
        var options = new MutagenesisOptions
        {
            OutputDirectory = Root,
            Radius = Radius,
            StrongThreshold = threshold,
            BatchSize = batchSize,
            RowGroupRows = rowGroupRows,
        };
        var runner = new MutagenesisRunner(engine ?? new FakeDeltaEngine(Features), projector ?? _projector, options, time);
        var progress = new List<MutagenesisProgress>();
        var batches = new List<MutagenesisBatchProgress>();
        MutagenesisRunSummary summary = runner.Run(
            (genes ?? _genes).ToList(), Fetch, progress.Add, batches.Add, TestContext.Current.CancellationToken);
        return new Outcome(summary, progress.Select(p => p.Result).ToList(), progress, batches);
    }

    /// <summary>The effect the pipeline should have written, computed from the genome, not from the engine's region.</summary>
    private float ExpectedEffect(MutagenesisGene gene, long pos, byte alt, int tissue)
    {
        var delta = new float[VariantShifts.All.Length * Features];
        for (int j = 0; j < VariantShifts.All.Length; j++)
        {
            for (int f = 0; f < Features; f++)
                delta[j * Features + f] = FakeDeltaEngine.DeltaFromGenome(_genomes[gene.Chrom].Bases, pos - 1, alt, j, f);
        }
        return (float)_projector.Effect(delta, checked((int)(pos - gene.Tss)), gene.Strand, tissue);
    }

    [Fact]
    public void Effects_round_trip_through_DuckDB_with_chromosome_partitions_and_tissue_columns_named_as_the_tissues()
    {
        Outcome run = RunAll();

        Assert.Equal(3, run.Summary.GenesComputed);
        var columns = Duck.Query($"DESCRIBE SELECT * FROM read_parquet({EffectsGlob}, hive_partitioning=true)")
            .Select(r => (string)r[0]!).ToList();
        Assert.Equal(["gene", "chrom", "pos", "ref", "alt", "dist", .. _tissues], columns);

        var totals = Duck.Query(
            $"""SELECT count(*), count(DISTINCT gene), count(DISTINCT chrom), sum("Brain - Cortex (BA9)") FROM read_parquet({EffectsGlob}, hive_partitioning=true)""")
            .Single();
        Assert.Equal(3L * RowsPerGene, Convert.ToInt64(totals[0]));
        Assert.Equal(3L, Convert.ToInt64(totals[1]));
        Assert.Equal(2L, Convert.ToInt64(totals[2]));
        Assert.Equal(run.Genes.Sum(g => g.Tissues[0].Directionality), Convert.ToDouble(totals[3]), 1e-6);

        string tissueList = string.Join(", ", _tissues.Select(t => $"\"{t}\""));
        var rows = Duck.Query(
            $"SELECT gene, chrom, pos, ref, alt, dist, {tissueList} FROM read_parquet({EffectsGlob}, hive_partitioning=true) ORDER BY gene, pos, alt");
        foreach (MutagenesisGene gene in _genes)
        {
            var mine = rows.Where(r => (string)r[0]! == gene.Id).ToList();
            Assert.Equal(RowsPerGene, mine.Count);
            Assert.Equal(RowsPerGene, mine.Select(r => ((long)r[2]!, (string)r[4]!)).Distinct().Count());
            Assert.Equal(gene.Tss - Radius, mine.Min(r => (long)r[2]!));
            Assert.Equal(gene.Tss + Radius, mine.Max(r => (long)r[2]!));
            foreach (object?[] r in mine)
            {
                long pos = (long)r[2]!;
                string reference = (string)r[3]!;
                string alt = (string)r[4]!;
                Assert.Equal(gene.Chrom, (string)r[1]!);
                Assert.Equal(((char)_genomes[gene.Chrom].Bases[pos - 1]).ToString(), reference);
                Assert.NotEqual(reference, alt);
                Assert.Equal((int)(pos - gene.Tss), (int)r[5]!);
                for (int t = 0; t < _tissues.Length; t++)
                    Assert.Equal(ExpectedEffect(gene, pos, (byte)alt[0], t), (float)r[6 + t]!, 1e-6f);
            }
        }

        // rowGroupRows = 50 forced several row groups per file; DuckDB must have seen them all (counted above).
        string oneFile = Duck.Lit(Path.Combine(Root, "effects", "chrom=chr7", "GENE-MINUS.parquet"));
        Assert.True(Convert.ToInt64(Duck.Scalar($"SELECT count(DISTINCT row_group_id) FROM parquet_metadata({oneFile})")) > 1);
    }

    [Fact]
    public void Strong_effects_are_exactly_the_effects_at_or_above_the_threshold()
    {
        RunAll();
        string longEffects = $"""
            (UNPIVOT (SELECT * EXCLUDE (chrom, dist) FROM read_parquet({EffectsGlob}, hive_partitioning=true))
             ON COLUMNS(* EXCLUDE (gene, pos, ref, alt)) INTO NAME tissue VALUE effect)
            """;
        long all = Convert.ToInt64(Duck.Scalar($"SELECT count(*) FROM {longEffects}"));
        long strongExpected = Convert.ToInt64(Duck.Scalar($"SELECT count(*) FROM {longEffects} WHERE abs(effect) >= 0.3"));
        long strongWritten = Convert.ToInt64(Duck.Scalar($"SELECT count(*) FROM read_parquet({StrongGlob}, hive_partitioning=true)"));
        Assert.Equal(3L * RowsPerGene * _tissues.Length, all);
        Assert.InRange(strongExpected, 1, all - 1); // the fixture must exercise both sides of the threshold
        Assert.Equal(strongExpected, strongWritten);

        string strongCols = $"SELECT gene, pos, ref, alt, tissue, effect FROM read_parquet({StrongGlob}, hive_partitioning=true)";
        string expectedCols = $"SELECT gene, pos, ref, alt, tissue, effect FROM {longEffects} WHERE abs(effect) >= 0.3";
        Assert.Equal(0L, Convert.ToInt64(Duck.Scalar($"SELECT count(*) FROM ({strongCols} EXCEPT ALL {expectedCols})")));
        Assert.Equal(0L, Convert.ToInt64(Duck.Scalar($"SELECT count(*) FROM ({expectedCols} EXCEPT ALL {strongCols})")));
    }

    [Fact]
    public void Genes_table_sums_equal_sums_recomputed_from_the_effects()
    {
        Outcome run = RunAll();
        var table = Duck.Query($"SELECT gene, tissue, directionality, magnitude, mutations, strong FROM read_parquet({GenesFile})");
        Assert.Equal(_genes.Length * _tissues.Length, table.Count);
        Assert.Equal(
            _genes.Select(g => g.Id).Order(StringComparer.Ordinal).SelectMany(id => _tissues.Select(t => (id, t))),
            table.Select(r => ((string)r[0]!, (string)r[1]!)));

        var recomputed = Duck.Query($"""
            SELECT gene, tissue, sum(effect), sum(abs(effect)), count(*), count(*) FILTER (WHERE abs(effect) >= 0.3)
            FROM (UNPIVOT (SELECT * EXCLUDE (chrom, dist, pos, ref, alt) FROM read_parquet({EffectsGlob}, hive_partitioning=true))
                  ON COLUMNS(* EXCLUDE (gene)) INTO NAME tissue VALUE effect)
            GROUP BY gene, tissue
            """).ToDictionary(r => ((string)r[0]!, (string)r[1]!));
        foreach (object?[] row in table)
        {
            object?[] expected = recomputed[((string)row[0]!, (string)row[1]!)];
            Assert.Equal(Convert.ToDouble(expected[2]), (double)row[2]!, 1e-6);
            Assert.Equal(Convert.ToDouble(expected[3]), (double)row[3]!, 1e-6);
            Assert.Equal(Convert.ToInt64(expected[4]), (int)row[4]!);
            Assert.Equal(Convert.ToInt64(expected[5]), (int)row[5]!);
        }
        Assert.Equal(run.Summary.StrongRows, table.Sum(r => (long)(int)r[5]!));
    }

    [Fact]
    public void A_gene_without_strong_effects_still_gets_a_strong_file_with_zero_rows_and_the_schema()
    {
        RunAll(genes: _genes.Take(1), threshold: 1e9);

        string strongFile = Path.Combine(Root, "strong_effects", "chrom=chr7", "GENE_PLUS.1.parquet");
        Assert.True(File.Exists(strongFile));
        Assert.Equal(0L, Convert.ToInt64(Duck.Scalar($"SELECT count(*) FROM read_parquet({StrongGlob}, hive_partitioning=true)")));
        var columns = Duck.Query($"DESCRIBE SELECT * FROM read_parquet({Duck.Lit(strongFile)}, hive_partitioning=false)").Select(r => (string)r[0]!);
        Assert.Equal(["gene", "pos", "ref", "alt", "tissue", "effect"], columns);
        Assert.All(Duck.Query($"SELECT strong FROM read_parquet({GenesFile})"), r => Assert.Equal(0, (int)r[0]!));
    }

    [Fact]
    public void Strong_effects_folder_exists_before_any_gene_finishes()
    {
        MutagenesisRunSummary summary = RunAll(genes: []).Summary;
        Assert.True(Directory.Exists(Path.Combine(Root, "strong_effects")));
        Assert.True(Directory.Exists(Path.Combine(Root, "effects")));
        Assert.Equal(0L, Convert.ToInt64(Duck.Scalar($"SELECT count(*) FROM read_parquet({GenesFile})")));
        Assert.Equal(0, summary.GenesTotal);
    }

    [Fact]
    public void Gene_result_checksums_are_the_sha256_of_the_final_files()
    {
        foreach (GeneResult gene in RunAll().Genes)
        {
            Assert.Equal(2, gene.Files.Count);
            foreach (GeneOutputFile file in gene.Files)
            {
                byte[] bytes = File.ReadAllBytes(Path.Combine(Root, file.Path));
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), file.Sha256);
                Assert.Equal(bytes.LongLength, file.Bytes);
            }
            Assert.Equal(RowsPerGene, gene.Mutations);
            Assert.Equal(RowsPerGene, gene.Files[0].Rows);
            Assert.Equal(gene.StrongRows, gene.Files[1].Rows);
            Assert.Equal(gene.StrongRows, gene.Tissues.Sum(t => (long)t.Strong));
            Assert.Equal(GeneMutagenesisPipeline.CombinedChecksum(gene.Files), gene.Checksum);
            GeneResult stored = GeneSummaryFile.Read(Path.Combine(Root, "_summaries", gene.Gene + ".json"));
            Assert.Equal(gene with { Files = [], Tissues = [] }, stored with { Files = [], Tissues = [] });
            Assert.Equal(gene.Files, stored.Files);
            Assert.Equal(gene.Tissues, stored.Tissues);
        }
    }

    [Fact]
    public void A_crash_mid_gene_leaves_no_final_named_file_and_no_temp_file()
    {
        RunAll(genes: _genes.Take(1));
        var engine = new FakeDeltaEngine(Features) { ThrowAfterMutations = 40 };
        var sawTempFile = false;
        var spy = new SpyProjector(_projector, call =>
        {
            if (call != 2) return;
            // Mid-gene: the gene's data so far lives only in hidden temp files no *.parquet glob matches.
            string folder = Path.Combine(Root, "effects", "chrom=chr7");
            Assert.False(File.Exists(Path.Combine(folder, "GENE-MINUS.parquet")));
            string[] temps = Directory.GetFiles(folder, ".GENE-MINUS.parquet.*");
            Assert.NotEmpty(temps);
            Assert.All(temps, t => Assert.EndsWith(".tmp", t));
            sawTempFile = true;
        });

        var crash = Assert.Throws<InvalidOperationException>(() => RunAll(genes: _genes.Take(2), engine: engine, projector: spy));

        Assert.Contains("GENE-MINUS", crash.Message);
        Assert.True(sawTempFile);
        string[] left = Directory.GetFiles(Root, "*", SearchOption.AllDirectories);
        Assert.DoesNotContain(left, f => Path.GetFileName(f).Contains("GENE-MINUS"));
        Assert.DoesNotContain(left, f => AtomicFile.IsTempName(Path.GetFileName(f)));
        // The gene finished before the crash is untouched and still valid.
        Assert.True(GeneOutputValidator.Check(new MutagenesisLayout(Root), new GeneOutputExpectation("GENE_PLUS.1", "chr7", Radius, 0.3, RowsPerGene, _tissues)).IsComplete);
    }

    [Fact]
    public void Validator_rejects_a_truncated_file_a_changed_byte_and_a_missing_summary()
    {
        RunAll(genes: _genes.Take(1));
        var layout = new MutagenesisLayout(Root);
        var expect = new GeneOutputExpectation("GENE_PLUS.1", "chr7", Radius, 0.3, RowsPerGene, _tissues, 8_000, +1);
        Assert.True(GeneOutputValidator.Check(layout, expect).IsComplete);
        Assert.False(GeneOutputValidator.Check(layout, expect with { Mutations = RowsPerGene - 3 }).IsComplete);
        Assert.False(GeneOutputValidator.Check(layout, expect with { StrongThreshold = 0.5 }).IsComplete);
        Assert.False(GeneOutputValidator.Check(layout, expect with { Tissues = _tissues.Reverse().ToList() }).IsComplete);

        string effects = Path.Combine(Root, "effects", "chrom=chr7", "GENE_PLUS.1.parquet");
        byte[] original = File.ReadAllBytes(effects);

        File.WriteAllBytes(effects, original.AsSpan(0, original.Length - 100).ToArray());
        GeneOutputCheck truncated = GeneOutputValidator.Check(layout, expect, verifyChecksums: false);
        Assert.False(truncated.IsComplete);
        Assert.Contains("effects", truncated.Reason);

        // Same length, footer intact, one data byte flipped: only the checksum catches it.
        byte[] flipped = (byte[])original.Clone();
        flipped[original.Length / 2] ^= 0x40;
        File.WriteAllBytes(effects, flipped);
        Assert.True(GeneOutputValidator.Check(layout, expect, verifyChecksums: false).IsComplete);
        Assert.False(GeneOutputValidator.Check(layout, expect, verifyChecksums: true).IsComplete);

        File.WriteAllBytes(effects, original);
        Assert.True(GeneOutputValidator.Check(layout, expect).IsComplete);
        File.Delete(Path.Combine(Root, "_summaries", "GENE_PLUS.1.json"));
        Assert.False(GeneOutputValidator.Check(layout, expect).IsComplete);
    }

    [Fact]
    public void Rerun_skips_complete_genes_recomputes_a_damaged_one_and_reproduces_the_same_bytes()
    {
        Outcome first = RunAll();
        byte[] genesTable = File.ReadAllBytes(Path.Combine(Root, "genes.parquet"));
        string strong = Path.Combine(Root, "strong_effects", "chrom=chrX", "ENSG00000000003.parquet");
        byte[] strongBytes = File.ReadAllBytes(strong);
        File.WriteAllBytes(strong, strongBytes.AsSpan(0, strongBytes.Length / 2).ToArray());

        var engine = new FakeDeltaEngine(Features);
        Outcome second = RunAll(engine: engine);
        List<MutagenesisProgress> progress = second.Progress;

        Assert.Equal(2, second.Summary.GenesSkipped);
        Assert.Equal(1, second.Summary.GenesComputed);
        Assert.Equal(3L * RowsPerGene, second.Summary.MutationsTotal);
        Assert.Equal(RowsPerGene, second.Summary.MutationsComputed);
        Assert.Equal(1, engine.SessionsOpened);
        Assert.Equal(RowsPerGene, engine.MutationsComputed);
        Assert.Equal(first.Genes.Select(g => g.Checksum), second.Genes.Select(g => g.Checksum));
        Assert.Equal(strongBytes, File.ReadAllBytes(strong));
        Assert.Equal(genesTable, File.ReadAllBytes(Path.Combine(Root, "genes.parquet")));

        Assert.Equal([1, 2, 3], progress.Select(p => p.GenesDone));
        Assert.Equal([true, true, false], progress.Select(p => p.Skipped));
        Assert.Equal(TimeSpan.Zero, progress[^1].Eta);
        Assert.True(progress[^1].MutationsPerSecond > 0);

        Outcome third = RunAll(engine: engine);
        Assert.Equal(3, third.Summary.GenesSkipped);
        Assert.Equal(1, engine.SessionsOpened);
    }

    [Fact]
    public void A_gene_at_a_chromosome_start_skips_positions_before_base_1_and_keeps_exact_effects()
    {
        var gene = new MutagenesisGene("EDGE", "chrX", +1, 9);
        Outcome run = RunAll(genes: [gene]);

        GeneResult result = Assert.Single(run.Genes);
        Assert.Equal(result.SkippedPositions, run.Summary.SkippedPositions);
        int before = Radius - (int)gene.Tss + 1; // positions tss−R..0
        Assert.Equal(before, result.SkippedPositions);
        Assert.Equal(3 * (2 * Radius + 1 - before), result.Mutations);
        var rows = Duck.Query($"SELECT pos, alt, \"Liver\" FROM read_parquet({EffectsGlob}, hive_partitioning=true)");
        Assert.Equal(result.Mutations, rows.Count);
        Assert.Equal(1L, rows.Min(r => (long)r[0]!));
        foreach (object?[] r in rows)
            Assert.Equal(ExpectedEffect(gene, (long)r[0]!, (byte)((string)r[1]!)[0], 3), (float)r[2]!, 1e-6f);
    }

    [Fact]
    public void Gene_and_chromosome_names_that_cannot_be_file_names_are_refused()
    {
        foreach (string bad in new[] { "../evil", "a/b", ".hidden", "_tmp", "", "sp ace" })
            Assert.Throws<InputException>(() => MutagenesisLayout.CheckName("gene", bad));
        Assert.Equal("effects/chrom=chr1/ENSG00000227232.5.parquet", MutagenesisLayout.EffectsPath("chr1", "ENSG00000227232.5"));
        Assert.Throws<InputException>(() => RunAll(genes: [_genes[0], _genes[0]]));
    }

    [Fact]
    public void Ensembl_style_numeric_chromosome_names_stay_text_with_the_documented_read_options()
    {
        // DuckDB's default autocasts a partition whose values all look numeric ("1") to BIGINT; the chrom column
        // inside every file keeps it text for readers that turn that off or skip partition parsing.
        RunAll(genes: [new MutagenesisGene("G1", "1", +1, 5_000)]);
        foreach (string options in new[] { "hive_partitioning=false", "hive_partitioning=true, hive_types_autocast=false" })
        {
            var row = Assert.Single(Duck.Query($"SELECT chrom, count(*) FROM read_parquet({EffectsGlob}, {options}) GROUP BY ALL"));
            Assert.Equal("1", Assert.IsType<string>(row[0]));
            Assert.Equal((long)RowsPerGene, Convert.ToInt64(row[1]));
        }
    }

    [Fact]
    public void Progress_reports_rate_and_eta_from_computed_genes_only()
    {
        RunAll(genes: _genes.Take(1));
        var clock = new ManualClock();
        // Every batch "takes" one second: 123 mutations in batches of 16 = 8 s per gene.
        var slow = new SpyProjector(_projector, _ => clock.Advance(TimeSpan.FromSeconds(1)));

        Outcome run = RunAll(projector: slow, time: clock);
        List<MutagenesisProgress> progress = run.Progress;

        // Within-gene progress: 8 batches of ≤ 16 for each of the two computed genes, none for the skipped one.
        Assert.Equal(16, run.Batches.Count);
        Assert.Equal([16, 32, 48, 64, 80, 96, 112, 123], run.Batches.Where(b => b.Gene == "GENE-MINUS").Select(b => b.MutationsDone));
        Assert.All(run.Batches, b => Assert.Equal(RowsPerGene, b.MutationsInGene));

        Assert.True(progress[0].Skipped);
        Assert.Null(progress[0].Eta);
        Assert.Equal(0, progress[0].MutationsPerSecond);
        Assert.Equal(RowsPerGene / 8.0, progress[1].MutationsPerSecond, 9);
        Assert.Equal(TimeSpan.FromSeconds(8), progress[1].Eta);
        Assert.Equal(TimeSpan.FromSeconds(16), progress[2].Elapsed);
        Assert.Equal(TimeSpan.Zero, progress[2].Eta);
        Assert.Equal([1, 2, 3], progress.Select(p => p.GenesDone));
        Assert.All(progress, p => Assert.Equal(3, p.GenesTotal));
        Assert.Equal([1, 1, 1], progress.Select(p => p.GenesSkipped));
    }

    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    /// <summary>Forwards to a projector, calling <paramref name="onBatch"/> with the 1-based call number first.</summary>
    private sealed class SpyProjector(IEffectProjector inner, Action<int> onBatch) : IEffectProjector
    {
        private int _calls;

        public IReadOnlyList<string> TissueNames => inner.TissueNames;

        public int FeatureCount => inner.FeatureCount;

        public void Project(ReadOnlySpan<float> deltas, ReadOnlySpan<int> distances, int strand, Span<float> effects)
        {
            onBatch(++_calls);
            inner.Project(deltas, distances, strand, effects);
        }
    }
}
