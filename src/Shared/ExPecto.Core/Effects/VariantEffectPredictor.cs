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

    internal void Skip(string reason) => _skipped[reason] = _skipped.GetValueOrDefault(reason) + 1;
    internal void Score(int n) => Scored += n;
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

    /// <param name="chunk">variants per model call (each takes 18 windows: 9 shifts × REF/ALT)</param>
    public VariantEffectPredictor(IndexedFasta genome, IChromatinModel model, EffectMatrix matrix, int chunk = 8)
    {
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
    public IEnumerable<VariantEffectRow> Predict(IEnumerable<GeneAssignedVariant> variants, CancellationToken cancellationToken = default)
    {
        var batch = new List<GeneAssignedVariant>(_chunk);
        foreach (var v in variants)
        {
            string? refusal = VariantWindows.Refusal(v.Variant.Ref, v.Variant.Alt);
            if (refusal is not null)
            {
                Summary.Skip(refusal.StartsWith("indel", StringComparison.Ordinal) ? "indel longer than 100 bp" : refusal);
                continue;
            }
            batch.Add(v);
            if (batch.Count == _chunk)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var row in ScoreBatch(batch)) yield return row;
                batch.Clear();
            }
        }
        if (batch.Count > 0)
            foreach (var row in ScoreBatch(batch)) yield return row;
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
