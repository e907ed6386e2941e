using ExPecto.Core.Annotation;
using ExPecto.Core.Chromatin;
using ExPecto.Core.Genome;
using ExPecto.Core.Transforms;
using ExPecto.Core.Variants;

namespace ExPecto.Core.Effects;

/// <summary>A variant with the gene it is scored against. <see cref="Distance"/> = pos − TSS (bp, not strand-corrected).</summary>
public sealed record GeneAssignedVariant(VariantRecord Variant, string GeneId, int Strand, long Distance);

/// <summary>One output row: the variant, its gene, and the natural-log fold change per tissue (model order).</summary>
public sealed record VariantEffectRow(GeneAssignedVariant Assigned, float[] Effects);

/// <summary>Why variants were not scored, counted for the run summary.</summary>
public sealed class VariantEffectSummary
{
    private readonly Dictionary<string, long> _skipped = new(StringComparer.Ordinal);

    public long Scored { get; private set; }
    public long RefMismatches { get; internal set; }
    public IReadOnlyDictionary<string, long> Skipped => _skipped;

    /// <summary>Of <see cref="Scored"/>, the SNVs scored through the incremental engine (shared trunk per region).</summary>
    public long ScoredIncremental { get; private set; }

    /// <summary>Regions (clusters of nearby SNVs) opened on the incremental engine.</summary>
    public long IncrementalRegions { get; private set; }

    internal void Skip(string reason) => _skipped[reason] = _skipped.GetValueOrDefault(reason) + 1;
    internal void Score(int n) => Scored += n;

    internal void ScoreIncremental(int n)
    {
        Scored += n;
        ScoredIncremental += n;
        IncrementalRegions++;
    }
}

/// <summary>
/// ExPecto's variant-effect pipeline (chromatin.py then predict.py) on one thread: for each variant, the 9 shifted
/// 2,000 bp windows with REF and with ALT spliced in (<see cref="VariantWindows"/>), chromatin probabilities of both
/// (forward/reverse-complement mean), Δ = alt − ref, the 9-shift spatial transform and every tissue model.
/// Streams: variants are scored in chunks so memory is bounded whatever the VCF's size.
/// </summary>
public sealed class VariantEffectPredictor
{
    private const int Shifts = 9;
    private readonly IndexedFasta _genome;
    private readonly IChromatinModel _model;
    private readonly VariantEffects _effects;
    private readonly int _chunk;

    /// <summary>Variants read ahead and scored together: SNVs among them that lie close together share a region.</summary>
    public const int BlockSize = 4096;

    /// <summary>
    /// Longest region one incremental session covers (bounds the trunk's memory: ≈ 1.3 kB per bp per layer at full
    /// width); a denser run of SNVs is split into regions of at most this.
    /// </summary>
    public const int MaxRegionLength = 50_000;

    private readonly IMutationDeltaEngine? _engine;
    private readonly int _minSnvsPerRegion;

    /// <param name="chunk">variants per model call (each takes 18 windows: 9 shifts × REF/ALT)</param>
    /// <param name="engine">
    /// When given, SNVs whose REF matches the genome are grouped into regions of SNVs with overlapping windows, and a
    /// region holding at least <paramref name="minSnvsPerRegion"/> of them is scored through this engine (one trunk
    /// per region, equal to the window path to ≤ 1e-5); everything else takes the window path.
    /// </param>
    public VariantEffectPredictor(IndexedFasta genome, IChromatinModel model, EffectMatrix matrix, int chunk = 8,
        IMutationDeltaEngine? engine = null, int minSnvsPerRegion = 1)
    {
        if (engine is not null && engine.FeatureCount != model.FeatureCount)
            throw new ArgumentException($"the delta engine has {engine.FeatureCount} outputs, the chromatin model {model.FeatureCount}");
        ArgumentOutOfRangeException.ThrowIfLessThan(minSnvsPerRegion, 1);
        _engine = engine;
        _minSnvsPerRegion = minSnvsPerRegion;
        if (model.WindowLength != VariantWindows.WindowLength)
            throw new ArgumentException($"the chromatin model takes {model.WindowLength} bp windows; ExPecto's variant rule needs {VariantWindows.WindowLength}");
        if (model.FeatureCount * 10 != matrix.FeatureCount)
            throw new InputException($"the chromatin model has {model.FeatureCount} outputs but the tissue models expect {matrix.FeatureCount / 10} per spatial block");
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        _genome = genome;
        _model = model;
        _effects = new VariantEffects(matrix, Math.Max(chunk, 16));
        _chunk = chunk;
        TissueCount = matrix.TissueCount;
    }

    public int TissueCount { get; }

    public VariantEffectSummary Summary { get; } = new();

    /// <summary>
    /// Assigns each variant to the nearest representative TSS of <paramref name="annotation"/> on its contig.
    /// Variants on a contig without genes are skipped and counted.
    /// </summary>
    public IEnumerable<GeneAssignedVariant> AssignNearest(IEnumerable<VariantRecord> variants, GeneAnnotation annotation)
    {
        foreach (var v in variants)
        {
            Gene? g = annotation.Nearest(v.Chrom, v.Pos);
            if (g is null)
            {
                Summary.Skip("no gene on contig");
                continue;
            }
            yield return new GeneAssignedVariant(v, g.Id, g.Strand, v.Pos - g.Tss);
        }
    }

    /// <summary>
    /// Assigns variants with ExPecto's closest-gene file, matched on contig and position as predict.py does;
    /// a variant missing from the file is an error (predict.py refuses such input too).
    /// </summary>
    public static IEnumerable<GeneAssignedVariant> AssignFromClosestGeneFile(IEnumerable<VariantRecord> variants, string closestGenePath)
    {
        var byPos = new Dictionary<(string, long), ClosestGeneAssignment>();
        foreach (var a in ClosestGeneFile.Read(closestGenePath))
            byPos.TryAdd((ContigNames.Key(a.Chrom), a.Pos), a);
        foreach (var v in variants)
        {
            if (!byPos.TryGetValue((ContigNames.Key(v.Chrom), v.Pos), out var a))
                throw new InputException(closestGenePath, null, $"has no row for the variant {v.Chrom}:{v.Pos} (VCF line {v.SourceLine}); the closest-gene file must match the VCF");
            yield return new GeneAssignedVariant(v, a.GeneId, a.Strand, -a.Distance);
        }
    }

    /// <summary>Scores assigned variants, yielding rows in input order.</summary>
    public IEnumerable<VariantEffectRow> Predict(IEnumerable<GeneAssignedVariant> variants, CancellationToken cancellationToken = default) =>
        _engine is null ? PredictByWindows(variants, cancellationToken) : PredictByRegions(variants, cancellationToken);

    private IEnumerable<VariantEffectRow> PredictByRegions(IEnumerable<GeneAssignedVariant> variants, CancellationToken cancellationToken)
    {
        foreach (var block in Scorable(variants, BlockSize))
            foreach (var row in ScoreBlock(block, cancellationToken)) yield return row;
    }

    /// <summary>
    /// The variants the network can score, in input order and in chunks of <paramref name="size"/>; the others are
    /// counted as skipped. One list, reused: a chunk is consumed before the next is filled.
    /// </summary>
    private IEnumerable<List<GeneAssignedVariant>> Scorable(IEnumerable<GeneAssignedVariant> variants, int size)
    {
        var chunk = new List<GeneAssignedVariant>(size);
        foreach (var v in variants)
        {
            string? refusal = VariantWindows.Refusal(v.Variant.Ref, v.Variant.Alt);
            if (refusal is not null)
            {
                Summary.Skip(refusal.StartsWith("indel", StringComparison.Ordinal) ? "indel longer than 100 bp" : refusal);
                continue;
            }
            chunk.Add(v);
            if (chunk.Count == size)
            {
                yield return chunk;
                chunk.Clear();
            }
        }
        if (chunk.Count > 0)
            yield return chunk;
    }

    /// <summary>One block: regions of close SNVs through the engine, the rest through windows; rows in block order.</summary>
    private VariantEffectRow[] ScoreBlock(List<GeneAssignedVariant> block, CancellationToken cancellationToken)
    {
        var rows = new VariantEffectRow[block.Count];
        var windowed = new List<int>();
        var snvs = new List<int>();
        var baseAt = new byte[1];
        for (int i = 0; i < block.Count; i++)
        {
            var v = block[i].Variant;
            bool snv = v.Ref.Length == 1 && v.Alt.Length == 1 && OneHot.Channel((byte)v.Alt[0]) >= 0;
            if (snv)
            {
                // A REF that disagrees with the genome is spliced into the REF window by the window rule; a region
                // would see the genome's base instead (and so would its neighbours' windows), so those take windows.
                _genome.Fetch(v.Chrom, v.Pos - 1, baseAt);
                snv = char.ToUpperInvariant((char)baseAt[0]) == char.ToUpperInvariant(v.Ref[0]);
            }
            (snv ? snvs : windowed).Add(i);
        }

        // Regions: SNVs on one contig sorted by position, a new region wherever the next SNV's windows would not
        // overlap the region's (gap > the span of one SNV's windows) or the region would grow past MaxRegionLength.
        int span = 2 * MinOffset + 1; // one SNV's windows: [pos − 1799, pos + 1800]
        foreach (var contig in snvs.GroupBy(i => block[i].Variant.Chrom, StringComparer.Ordinal))
        {
            var sorted = contig.OrderBy(i => block[i].Variant.Pos).ThenBy(i => i).ToList();
            int first = 0;
            for (int k = 1; k <= sorted.Count; k++)
            {
                bool end = k == sorted.Count
                    || block[sorted[k]].Variant.Pos - block[sorted[k - 1]].Variant.Pos > span
                    || block[sorted[k]].Variant.Pos - block[sorted[first]].Variant.Pos + span > MaxRegionLength;
                if (!end) continue;
                var region = sorted.GetRange(first, k - first);
                if (region.Count >= _minSnvsPerRegion)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ScoreRegion(block, region, rows);
                }
                else
                {
                    windowed.AddRange(region);
                }
                first = k;
            }
        }

        windowed.Sort();
        var batch = new List<GeneAssignedVariant>(_chunk);
        var slots = new List<int>(_chunk);
        for (int k = 0; k < windowed.Count; k++)
        {
            batch.Add(block[windowed[k]]);
            slots.Add(windowed[k]);
            if (batch.Count == _chunk || k == windowed.Count - 1)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var scored = ScoreBatch(batch);
                for (int j = 0; j < scored.Count; j++) rows[slots[j]] = scored[j];
                batch.Clear();
                slots.Clear();
            }
        }
        return rows;
    }

    // Offsets the engine contract allows: every shifted window inside the region (999 − min shift).
    private static int MinOffset => VariantWindows.WindowLength / 2 - 1 - VariantShifts.All.Min();

    /// <summary>SNVs <paramref name="members"/> of one contig (sorted by position) through one engine session.</summary>
    private void ScoreRegion(List<GeneAssignedVariant> block, List<int> members, VariantEffectRow[] rows)
    {
        int f = _model.FeatureCount;
        long start0 = block[members[0]].Variant.Pos - 1 - MinOffset;
        long last0 = block[members[^1]].Variant.Pos - 1;
        var region = new byte[checked((int)(last0 - start0 + MinOffset + 2))];
        _genome.Fetch(block[members[0]].Variant.Chrom, start0, region);
        var mutations = new PointMutation[members.Count];
        for (int j = 0; j < members.Count; j++)
        {
            var v = block[members[j]].Variant;
            mutations[j] = new PointMutation(checked((int)(v.Pos - 1 - start0)), (byte)char.ToUpperInvariant(v.Alt[0]));
        }
        var deltas = new float[members.Count * Shifts * f];
        // Opened for these SNVs only: the trunk then holds just the pooling phases their windows use.
        using (var session = _engine!.Open(region, Array.ConvertAll(mutations, m => m.Offset)))
            session.Compute(mutations, deltas);
        var effects = new double[TissueCount];
        for (int j = 0; j < members.Count; j++)
        {
            var a = block[members[j]];
            _effects.Compute(deltas.AsSpan(j * Shifts * f, Shifts * f), [a.Distance], a.Strand, effects);
            rows[members[j]] = new VariantEffectRow(a, Array.ConvertAll(effects, e => (float)e));
        }
        Summary.ScoreIncremental(members.Count);
    }

    private IEnumerable<VariantEffectRow> PredictByWindows(IEnumerable<GeneAssignedVariant> variants, CancellationToken cancellationToken)
    {
        foreach (var batch in Scorable(variants, _chunk))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var row in ScoreBatch(batch)) yield return row;
        }
    }

    private List<VariantEffectRow> ScoreBatch(List<GeneAssignedVariant> batch)
    {
        int n = batch.Count, w = VariantWindows.WindowLength, f = _model.FeatureCount;
        int windows = n * Shifts * 2; // per variant: shifts × (ref, alt)
        var seqs = new byte[windows * w];
        var fetched = new byte[VariantWindows.FetchLength];
        for (int i = 0; i < n; i++)
        {
            var v = batch[i].Variant;
            for (int s = 0; s < Shifts; s++)
            {
                int shift = VariantShifts.All[s];
                _genome.Fetch(v.Chrom, VariantWindows.FetchStart0(v.Pos, shift), fetched);
                int slot = (i * Shifts + s) * 2;
                bool matched = VariantWindows.Build(fetched, shift, v.Ref, v.Alt,
                    seqs.AsSpan(slot * w, w), seqs.AsSpan((slot + 1) * w, w));
                if (s == 0 && !matched) Summary.RefMismatches++;
            }
        }
        var probs = new float[windows * f];
        _model.Predict(seqs, windows, probs);
        var deltas = new float[n * Shifts * f];
        for (int i = 0; i < n; i++)
        {
            for (int s = 0; s < Shifts; s++)
            {
                int slot = (i * Shifts + s) * 2;
                var refP = probs.AsSpan(slot * f, f);
                var altP = probs.AsSpan((slot + 1) * f, f);
                var d = deltas.AsSpan((i * Shifts + s) * f, f);
                for (int k = 0; k < f; k++) d[k] = altP[k] - refP[k];
            }
        }
        // Variants of one call may belong to different genes and strands: project per variant.
        var rows = new List<VariantEffectRow>(n);
        var effects = new double[TissueCount];
        for (int i = 0; i < n; i++)
        {
            var a = batch[i];
            _effects.Compute(deltas.AsSpan(i * Shifts * f, Shifts * f), [a.Distance], a.Strand, effects);
            rows.Add(new VariantEffectRow(a, Array.ConvertAll(effects, e => (float)e)));
        }
        Summary.Score(n);
        return rows;
    }
}
