using ExPecto.Core.Chromatin;
using ExPecto.Core.Output;

namespace ExPecto.Core.Mutagenesis;

/// <summary>A gene to scan: id (file name), chromosome, strand ±1, representative TSS (1-based).</summary>
public sealed record MutagenesisGene(string Id, string Chrom, int Strand, long Tss);

/// <summary>Progress after each gene. Rates count computed genes only (skipped ones cost next to nothing).</summary>
/// <param name="Result">The gene's result: just computed, or read from its summary when <paramref name="Skipped"/>.</param>
/// <param name="Eta">Remaining time assuming every remaining gene is computed at the rate so far; null before any gene was computed.</param>
public sealed record MutagenesisProgress(
    GeneResult Result,
    bool Skipped,
    int GenesDone,
    int GenesTotal,
    int GenesSkipped,
    long MutationsComputed,
    double MutationsPerSecond,
    TimeSpan? Eta,
    TimeSpan Elapsed);

/// <summary>Progress inside the gene being computed, after each engine batch (a gene can take minutes).</summary>
public sealed record MutagenesisBatchProgress(string Gene, int MutationsDone, int MutationsInGene);

/// <summary>
/// What a run did. Per-gene results are not kept here (genome-wide they run to hundreds of MB): take them from
/// the progress callback, or from the summaries on disk.
/// </summary>
/// <param name="MutationsTotal">Effects rows of all the run's genes, computed now or earlier.</param>
/// <param name="SkippedPositions">Positions without a real reference base (N), over all genes.</param>
public sealed record MutagenesisRunSummary(
    int GenesTotal,
    int GenesComputed,
    int GenesSkipped,
    long MutationsComputed,
    long MutationsTotal,
    long StrongRows,
    int SkippedPositions,
    TimeSpan Elapsed,
    string GenesTablePath);

/// <summary>One gene's outcome: its result, and whether its files were already complete (nothing recomputed).</summary>
/// <param name="Result">Just computed, or read from the gene's summary when <paramref name="Skipped"/>.</param>
public sealed record MutagenesisGeneRun(GeneResult Result, bool Skipped);

/// <summary>
/// Saturation mutagenesis with one engine and one projector into one dataset folder. <see cref="RunGene"/> is THE
/// per-gene step — `expecto mutagenesis`, `expecto run` and every cluster worker call it, so they share one meaning
/// of the batch size (mutations per engine batch) and the same checks (names, strand, the expected mutation count of
/// a complete gene). <see cref="Run"/> is the in-process job: genes one after another on the calling thread,
/// skipping genes whose output is already complete (<see cref="GeneOutputValidator"/>), then genes.parquet rebuilt
/// from the summaries of all the run's genes. It stops at the first failing gene; finished genes stay, so a re-run
/// resumes.
/// </summary>
public sealed class MutagenesisRunner
{
    private readonly IEffectProjector _projector;
    private readonly MutagenesisOptions _options;
    private readonly TimeProvider _time;
    private readonly MutagenesisLayout _layout;
    private readonly GeneMutagenesisPipeline _pipeline;

    public MutagenesisRunner(IMutationDeltaEngine engine, IEffectProjector projector, MutagenesisOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Radius);
        _projector = projector;
        _options = options;
        _time = time ?? TimeProvider.System;
        _layout = new MutagenesisLayout(options.OutputDirectory);
        _pipeline = new GeneMutagenesisPipeline(
            engine, projector, _layout, options.StrongThreshold, options.BatchSize, options.RowGroupRows);
    }

    /// <param name="fetch">
    /// Reference bases: (chrom, 0-based start ≥ 0, length) → ASCII bases. It may return fewer bytes than asked at a
    /// chromosome end; the runner pads with N (and pads before position 1 likewise), and N positions are skipped.
    /// </param>
    public MutagenesisRunSummary Run(
        IReadOnlyList<MutagenesisGene> genes,
        Func<string, long, int, byte[]> fetch,
        Action<MutagenesisProgress>? progress = null,
        Action<MutagenesisBatchProgress>? batchProgress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(genes);
        ArgumentNullException.ThrowIfNull(fetch);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (MutagenesisGene g in genes)
        {
            CheckGene(g);
            if (!ids.Add(g.Id)) throw new InputException($"gene '{g.Id}' is listed twice");
        }

        _layout.EnsureFolders();
        long started = _time.GetTimestamp();
        if (_options.DeleteStaleTempFiles) AtomicFile.DeleteStaleTempFiles(_layout.Root, _time.GetUtcNow().UtcDateTime);

        int done = 0, computed = 0, skippedGenes = 0, skippedPositions = 0;
        long mutationsComputed = 0, mutationsTotal = 0, strongRows = 0;
        TimeSpan computeTime = TimeSpan.Zero;
        int perGene = 3 * (2 * _options.Radius + 1);

        foreach (MutagenesisGene gene in genes)
        {
            long geneStart = _time.GetTimestamp();
            var (result, skipped) = RunGene(gene, fetch, batchProgress, cancellationToken);
            if (skipped)
            {
                skippedGenes++;
            }
            else
            {
                computeTime += _time.GetElapsedTime(geneStart);
                mutationsComputed += result.Mutations;
                computed++;
            }
            done++;
            mutationsTotal += result.Mutations;
            strongRows += result.StrongRows;
            skippedPositions += result.SkippedPositions;

            if (progress is not null)
            {
                double rate = computeTime > TimeSpan.Zero ? mutationsComputed / computeTime.TotalSeconds : 0;
                int remaining = genes.Count - done;
                TimeSpan? eta = rate > 0 ? TimeSpan.FromSeconds(remaining * (double)perGene / rate) : remaining == 0 ? TimeSpan.Zero : null;
                progress(new MutagenesisProgress(
                    result, skipped, done, genes.Count, skippedGenes, mutationsComputed, rate, eta,
                    _time.GetElapsedTime(started)));
            }
        }

        // From the summary files, not from memory: the one code path the cluster's final step uses too.
        GenesTableWriter.Rebuild(_layout, genes.Select(g => g.Id));
        return new MutagenesisRunSummary(
            genes.Count, computed, skippedGenes, mutationsComputed, mutationsTotal, strongRows, skippedPositions,
            _time.GetElapsedTime(started), _layout.Full(MutagenesisLayout.GenesFile));
    }

    /// <summary>
    /// One gene: its files are checked against what a complete run of it holds (summary, row counts, columns, the
    /// expected mutation count, checksums when <see cref="MutagenesisOptions.VerifyChecksumsOnSkip"/>); when complete
    /// the stored result is returned, otherwise the gene is computed and written (temp-then-rename). Deterministic:
    /// a repeated call writes identical bytes, which keeps a cluster's repeated attempts idempotent.
    /// </summary>
    /// <exception cref="InputException">A bad gene id, chromosome or strand.</exception>
    /// <exception cref="InvalidOperationException">The computation failed (the message names the gene).</exception>
    public MutagenesisGeneRun RunGene(
        MutagenesisGene gene,
        Func<string, long, int, byte[]> fetch,
        Action<MutagenesisBatchProgress>? batchProgress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gene);
        ArgumentNullException.ThrowIfNull(fetch);
        CheckGene(gene);
        cancellationToken.ThrowIfCancellationRequested();
        _layout.EnsureFolders();
        MutagenesisRegion area = MutagenesisRegion.For(gene.Tss, _options.Radius);
        byte[] region = FetchRegion(fetch, gene.Chrom, area);
        int expected = MutationEnumerator.Count(region, area.Start0, gene.Tss, _options.Radius);
        var expectation = new GeneOutputExpectation(
            gene.Id, gene.Chrom, _options.Radius, _options.StrongThreshold, expected, _projector.TissueNames, gene.Tss, gene.Strand);
        GeneOutputCheck check = GeneOutputValidator.Check(_layout, expectation, _options.VerifyChecksumsOnSkip);
        if (check.IsComplete && check.Result is not null)
            return new MutagenesisGeneRun(check.Result, Skipped: true);

        int doneInGene = 0;
        Action<int>? onBatch = batchProgress is null
            ? null
            : n => batchProgress(new MutagenesisBatchProgress(gene.Id, doneInGene += n, expected));
        try
        {
            GeneResult result = _pipeline.Run(
                new GeneMutagenesisInput(gene.Id, gene.Chrom, gene.Strand, gene.Tss, region, area.Start0, _options.Radius),
                onBatch, cancellationToken);
            return new MutagenesisGeneRun(result, Skipped: false);
        }
        catch (Exception e) when (e is not (InputException or OperationCanceledException))
        {
            throw new InvalidOperationException($"gene {gene.Id} ({gene.Chrom}:{gene.Tss}) failed: {e.Message}", e);
        }
    }

    private static void CheckGene(MutagenesisGene g)
    {
        MutagenesisLayout.CheckName("gene", g.Id);
        MutagenesisLayout.CheckName("chromosome", g.Chrom);
        if (g.Strand is not (1 or -1)) throw new InputException($"gene '{g.Id}': strand must be +1 or −1, found {g.Strand}");
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
