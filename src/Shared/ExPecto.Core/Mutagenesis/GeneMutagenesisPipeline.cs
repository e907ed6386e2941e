using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using ExPecto.Core.Chromatin;
using ExPecto.Core.Output;
using ExPecto.Core.Transforms;

namespace ExPecto.Core.Mutagenesis;

/// <summary>
/// Scans one gene: enumerates its mutations, streams them through the chromatin engine and the effect projector in
/// batches, and writes the gene's effects, strong effects and summary (each temp-then-rename; the summary last, so
/// it marks the gene complete). Memory is bounded by the batch and row-group sizes, not by the radius.
/// Synchronous and single-threaded on purpose: engines may be bound to the calling thread.
/// </summary>
public sealed class GeneMutagenesisPipeline
{
    private readonly IMutationDeltaEngine _engine;
    private readonly IEffectProjector _projector;
    private readonly MutagenesisLayout _layout;
    private readonly double _strongThreshold;
    private readonly int _batchSize;
    private readonly int _rowGroupRows;
    private readonly int _featureCount;
    private readonly int _tissueCount;

    /// <param name="strongThreshold">A (mutation, tissue) goes to strong_effects when |effect| ≥ this (natural-log units).</param>
    /// <param name="batchSize">Mutations per engine batch; each engine call carries this many times the engine's <see cref="IMutationDeltaEngine.ConcurrentBatches"/>.</param>
    /// <param name="rowGroupRows">Rows per Parquet row group (bounds writer memory).</param>
    public GeneMutagenesisPipeline(
        IMutationDeltaEngine engine,
        IEffectProjector projector,
        MutagenesisLayout layout,
        double strongThreshold = MutagenesisOptions.DefaultStrongThreshold,
        int batchSize = MutagenesisOptions.DefaultBatchSize,
        int rowGroupRows = MutagenesisOptions.DefaultRowGroupRows)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(projector);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupRows, 1);
        if (!(strongThreshold >= 0)) throw new ArgumentOutOfRangeException(nameof(strongThreshold), "must be ≥ 0");
        if (engine.FeatureCount != projector.FeatureCount)
            throw new ArgumentException($"engine gives {engine.FeatureCount} features, projector expects {projector.FeatureCount}");
        EffectsParquetWriter.CheckTissueNames(projector.TissueNames);
        _engine = engine;
        _projector = projector;
        _layout = layout;
        _strongThreshold = strongThreshold;
        _batchSize = batchSize;
        _rowGroupRows = rowGroupRows;
        _featureCount = engine.FeatureCount;
        _tissueCount = projector.TissueNames.Count;
    }

    /// <summary>
    /// Scans the gene and writes its files. <paramref name="onBatch"/> gets the mutations finished after each batch.
    /// On any failure (engine, projector, IO, cancellation) the gene's temp files are deleted and no file of this
    /// attempt appears under a final name; files of an earlier complete run stay as they were.
    /// </summary>
    public GeneResult Run(GeneMutagenesisInput input, Action<int>? onBatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Strand is not (1 or -1)) throw new ArgumentException($"strand must be +1 or −1, found {input.Strand}", nameof(input));
        string effectsRel = MutagenesisLayout.EffectsPath(input.Chrom, input.GeneId);
        string strongRel = MutagenesisLayout.StrongEffectsPath(input.Chrom, input.GeneId);
        string summaryRel = MutagenesisLayout.SummaryPath(input.GeneId);

        MutagenesisRegion area = MutagenesisRegion.For(input.Tss, input.Radius);
        long skip = area.Start0 - input.RegionStart0;
        if (skip < 0 || skip + area.Length > input.Region.Length)
            throw new ArgumentException(
                $"gene {input.GeneId}: region [{input.RegionStart0}, {input.RegionStart0 + input.Region.Length}) does not cover the needed [{area.Start0}, {area.End0})",
                nameof(input));
        ReadOnlyMemory<byte> region = input.Region.Slice((int)skip, area.Length);
        List<SaturationMutation> mutations =
            MutationEnumerator.Enumerate(region.Span, area.Start0, input.Tss, input.Radius, out int skipped);

        string effectsFinal = _layout.Full(effectsRel);
        string strongFinal = _layout.Full(strongRel);
        string effectsTemp = AtomicFile.TempPathFor(effectsFinal);
        string strongTemp = AtomicFile.TempPathFor(strongFinal);
        IReadOnlyList<string> tissues = _projector.TissueNames;
        var directionality = new double[_tissueCount];
        var magnitude = new double[_tissueCount];
        var strong = new int[_tissueCount];
        try
        {
            using (var effectsWriter = new EffectsParquetWriter(effectsTemp, input.GeneId, input.Chrom, tissues, _rowGroupRows))
            using (var strongWriter = new StrongEffectsParquetWriter(strongTemp, input.GeneId, _rowGroupRows))
            {
                if (mutations.Count > 0)
                {
                    using IMutationDeltaSession session = _engine.Open(region);
                    session.PrepareReference(mutations.Min(m => m.Offset), mutations.Max(m => m.Offset));
                    // One call feeds every batch the engine can run at once (its CPU threads); the output does not
                    // depend on how the mutations are split into calls.
                    int batch = (int)Math.Min((long)_batchSize * Math.Max(1, _engine.ConcurrentBatches), mutations.Count);
                    var points = new PointMutation[batch];
                    var distances = new int[batch];
                    var deltas = new float[batch * VariantShifts.All.Length * _featureCount];
                    var effects = new float[batch * _tissueCount];
                    for (int start = 0; start < mutations.Count; start += batch)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        int n = Math.Min(batch, mutations.Count - start);
                        ReadOnlySpan<SaturationMutation> chunk = CollectionsMarshal.AsSpan(mutations).Slice(start, n);
                        for (int i = 0; i < n; i++)
                        {
                            points[i] = new PointMutation(chunk[i].Offset, chunk[i].Alt);
                            distances[i] = checked((int)(chunk[i].Position - input.Tss));
                        }
                        Span<float> chunkDeltas = deltas.AsSpan(0, n * VariantShifts.All.Length * _featureCount);
                        Span<float> chunkEffects = effects.AsSpan(0, n * _tissueCount);
                        session.Compute(points.AsSpan(0, n), chunkDeltas);
                        _projector.Project(chunkDeltas, distances.AsSpan(0, n), input.Strand, chunkEffects);

                        effectsWriter.Append(chunk, distances.AsSpan(0, n), chunkEffects);
                        for (int i = 0; i < n; i++)
                        {
                            ReadOnlySpan<float> row = chunkEffects.Slice(i * _tissueCount, _tissueCount);
                            for (int t = 0; t < _tissueCount; t++)
                            {
                                float e = row[t];
                                directionality[t] += e;
                                magnitude[t] += Math.Abs(e);
                                if (Math.Abs(e) >= _strongThreshold)
                                {
                                    strong[t]++;
                                    strongWriter.Append(chunk[i].Position, chunk[i].Ref, chunk[i].Alt, tissues[t], e);
                                }
                            }
                        }
                        onBatch?.Invoke(n);
                    }
                }
                effectsWriter.Complete();
                strongWriter.Complete();

                var files = new List<GeneOutputFile>
                {
                    Describe(effectsRel, effectsTemp, effectsWriter.Rows),
                    Describe(strongRel, strongTemp, strongWriter.Rows),
                };
                var result = new GeneResult(
                    input.GeneId, input.Chrom, input.Strand, input.Tss, input.Radius, mutations.Count, skipped,
                    _strongThreshold, strongWriter.Rows, CombinedChecksum(files), files,
                    tissues.Select((t, k) => new TissueSummary(t, directionality[k], magnitude[k], strong[k])).ToList());

                cancellationToken.ThrowIfCancellationRequested();
                AtomicFile.Commit(effectsTemp, effectsFinal);
                AtomicFile.Commit(strongTemp, strongFinal);
                GeneSummaryFile.Write(_layout.Full(summaryRel), result);
                return result;
            }
        }
        catch
        {
            AtomicFile.TryDelete(effectsTemp);
            AtomicFile.TryDelete(strongTemp);
            throw;
        }
    }

    private static GeneOutputFile Describe(string relativePath, string tempPath, long rows) =>
        new(relativePath, new FileInfo(tempPath).Length, rows, AtomicFile.Sha256(tempPath));

    /// <summary>SHA-256 over "path\tsha256\n" of each file in order: one checksum for the gene's whole output.</summary>
    public static string CombinedChecksum(IEnumerable<GeneOutputFile> files)
    {
        var text = new StringBuilder();
        foreach (GeneOutputFile f in files) text.Append(f.Path).Append('\t').Append(f.Sha256).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
