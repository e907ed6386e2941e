using ExPecto.Core.Chromatin;
using ExPecto.Core.Output;

namespace ExPecto.Core.Mutagenesis;

/// <summary>A gene to scan: id (file name), chromosome, strand ±1, representative TSS (1-based).</summary>
public sealed record MutagenesisGene(string Id, string Chrom, int Strand, long Tss);

/// <summary>Progress after each gene. Rates count computed genes only (skipped ones cost next to nothing).</summary>
/// <param name="Eta">Remaining time assuming every remaining gene is computed at the rate so far; null before any gene was computed.</param>
public sealed record MutagenesisProgress(
    string Gene,
    bool Skipped,
    int GenesDone,
    int GenesTotal,
    int GenesSkipped,
    long MutationsComputed,
    double MutationsPerSecond,
    TimeSpan? Eta,
    TimeSpan Elapsed);

/// <summary>What a run did. <see cref="Genes"/> holds every gene's result (computed or found complete), in run order.</summary>
public sealed record MutagenesisRunSummary(
    int GenesTotal,
    int GenesComputed,
    int GenesSkipped,
    long MutationsComputed,
    long MutationsTotal,
    long StrongRows,
    int SkippedPositions,
    TimeSpan Elapsed,
    string GenesTablePath,
    IReadOnlyList<GeneResult> Genes);

/// <summary>
/// Runs a saturation-mutagenesis job in one process: genes one after another on the calling thread, skipping genes
/// whose output is already complete (<see cref="GeneOutputValidator"/>), then rebuilds genes.parquet from the
/// summaries of all the run's genes. Stops at the first failing gene; finished genes stay, so a re-run resumes.
/// </summary>
public sealed class MutagenesisRunner
{
    private readonly IMutationDeltaEngine _engine;
    private readonly IEffectProjector _projector;
    private readonly MutagenesisOptions _options;
    private readonly TimeProvider _time;

    public MutagenesisRunner(IMutationDeltaEngine engine, IEffectProjector projector, MutagenesisOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Radius);
        _engine = engine;
        _projector = projector;
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    /// <param name="fetch">
    /// Reference bases: (chrom, 0-based start ≥ 0, length) → ASCII bases. It may return fewer bytes than asked at a
    /// chromosome end; the runner pads with N (and pads before position 1 likewise), and N positions are skipped.
    /// </param>
    public MutagenesisRunSummary Run(
        IReadOnlyList<MutagenesisGene> genes,
        Func<string, long, int, byte[]> fetch,
        Action<MutagenesisProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(genes);
        ArgumentNullException.ThrowIfNull(fetch);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (MutagenesisGene g in genes)
        {
            MutagenesisLayout.CheckName("gene", g.Id);
            MutagenesisLayout.CheckName("chromosome", g.Chrom);
            if (!ids.Add(g.Id)) throw new InputException($"gene '{g.Id}' is listed twice");
        }

        var layout = new MutagenesisLayout(_options.OutputDirectory);
        layout.EnsureFolders();
        long started = _time.GetTimestamp();
        if (_options.DeleteStaleTempFiles) AtomicFile.DeleteStaleTempFiles(layout.Root, _time.GetUtcNow().UtcDateTime);

        var pipeline = new GeneMutagenesisPipeline(
            _engine, _projector, layout, _options.StrongThreshold, _options.BatchSize, _options.RowGroupRows);
        var results = new List<GeneResult>(genes.Count);
        int computed = 0, skippedGenes = 0;
        long mutationsComputed = 0;
        TimeSpan computeTime = TimeSpan.Zero;
        int perGene = 3 * (2 * _options.Radius + 1);

        foreach (MutagenesisGene gene in genes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            MutagenesisRegion area = MutagenesisRegion.For(gene.Tss, _options.Radius);
            byte[] region = FetchRegion(fetch, gene.Chrom, area);
            int expected = MutationEnumerator.Count(region, area.Start0, gene.Tss, _options.Radius);
            var expectation = new GeneOutputExpectation(
                gene.Id, gene.Chrom, _options.Radius, _options.StrongThreshold, expected, _projector.TissueNames, gene.Tss, gene.Strand);
            GeneOutputCheck check = GeneOutputValidator.Check(layout, expectation, _options.VerifyChecksumsOnSkip);
            bool skipped = check.IsComplete;
            if (skipped)
            {
                results.Add(check.Result!);
                skippedGenes++;
            }
            else
            {
                long geneStart = _time.GetTimestamp();
                GeneResult result;
                try
                {
                    result = pipeline.Run(
                        new GeneMutagenesisInput(gene.Id, gene.Chrom, gene.Strand, gene.Tss, region, area.Start0, _options.Radius),
                        cancellationToken: cancellationToken);
                }
                catch (Exception e) when (e is not (InputException or OperationCanceledException))
                {
                    throw new InvalidOperationException($"gene {gene.Id} ({gene.Chrom}:{gene.Tss}) failed: {e.Message}", e);
                }
                computeTime += _time.GetElapsedTime(geneStart);
                mutationsComputed += result.Mutations;
                computed++;
                results.Add(result);
            }

            if (progress is not null)
            {
                double rate = computeTime > TimeSpan.Zero ? mutationsComputed / computeTime.TotalSeconds : 0;
                int remaining = genes.Count - results.Count;
                TimeSpan? eta = rate > 0 ? TimeSpan.FromSeconds(remaining * (double)perGene / rate) : remaining == 0 ? TimeSpan.Zero : null;
                progress(new MutagenesisProgress(
                    gene.Id, skipped, results.Count, genes.Count, skippedGenes, mutationsComputed, rate, eta,
                    _time.GetElapsedTime(started)));
            }
        }

        GenesTableWriter.Write(layout.Full(MutagenesisLayout.GenesFile), results);
        return new MutagenesisRunSummary(
            genes.Count, computed, skippedGenes, mutationsComputed,
            results.Sum(r => (long)r.Mutations), results.Sum(r => r.StrongRows), results.Sum(r => r.SkippedPositions),
            _time.GetElapsedTime(started), layout.Full(MutagenesisLayout.GenesFile), results);
    }

    /// <summary>
    /// Fetches <paramref name="area"/>, padding with 'N' where it lies before the chromosome start or beyond what
    /// <paramref name="fetch"/> returns (a chromosome end).
    /// </summary>
    public static byte[] FetchRegion(Func<string, long, int, byte[]> fetch, string chrom, MutagenesisRegion area)
    {
        var region = new byte[area.Length];
        Array.Fill(region, (byte)'N');
        int lead = (int)Math.Clamp(-area.Start0, 0, area.Length);
        if (lead == area.Length) return region;
        byte[] bases = fetch(chrom, area.Start0 + lead, area.Length - lead);
        if (bases.Length > area.Length - lead)
            throw new InvalidOperationException($"genome fetch returned {bases.Length} bases for {area.Length - lead} asked");
        bases.CopyTo(region, lead);
        return region;
    }
}
