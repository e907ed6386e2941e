using System.Globalization;
using System.Text;
using ExPecto.Analysis.Io;
using ExPecto.Analysis.Statistics;
using ExPecto.Core;

namespace ExPecto.Analysis.Risk;

/// <summary>A scored variant: the constraint-violation score and the largest non-cancer |effect| (with its tissue).</summary>
public sealed record VariantRisk(string Gene, string Chrom, int Pos, string Ref, string Alt, int Dist,
    double ViolationScore, double MaxAbsEffect, string MaxTissue, double MaxEffect);

/// <summary>
/// Disease-risk scores from predicted effects and the genes' variation-potential directionality.
/// Constraint-violation score = median over non-cancer tissues t of effect_t × directionality_t(gene). With the
/// sign convention of <see cref="Constraints.ConstraintCall"/>, a positive score means the variant moves expression
/// against its gene's constraint (e.g. lowers a gene whose mutations mostly lower expression: positive constraint),
/// so higher is more likely deleterious. Tissues without a directionality for the gene are skipped.
/// </summary>
public static class RiskScoring
{
    /// <summary>Directionality per gene and tissue from <c>genes.parquet</c> rows.</summary>
    public static Dictionary<string, Dictionary<string, double>> DirectionalityIndex(IEnumerable<GeneVariationPotential> genes)
    {
        var index = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        foreach (var g in genes)
        {
            if (!index.TryGetValue(g.Gene, out var byTissue)) index[g.Gene] = byTissue = new(StringComparer.Ordinal);
            byTissue[g.Tissue] = g.Directionality;
        }
        return index;
    }

    /// <summary>Scores every row of an effects table.</summary>
    public static IReadOnlyList<VariantRisk> Score(GeneEffects effects, IReadOnlyDictionary<string, Dictionary<string, double>> directionality, TissueMetadata? metadata = null)
    {
        metadata ??= TissueMetadata.Default;
        var nonCancer = metadata.NonCancerIndices(effects.Tissues);
        var result = new List<VariantRisk>(effects.Count);
        var products = new List<double>(nonCancer.Length);
        for (int i = 0; i < effects.Count; i++)
        {
            directionality.TryGetValue(effects.Gene[i], out var dir);
            products.Clear();
            double maxAbs = double.NaN, maxEff = double.NaN;
            string maxTissue = "";
            foreach (int t in nonCancer)
            {
                double e = effects.Effects[t][i];
                if (!double.IsFinite(e)) continue;
                if (!(Math.Abs(e) <= maxAbs)) { maxAbs = Math.Abs(e); maxEff = e; maxTissue = effects.Tissues[t]; }
                if (dir is not null && dir.TryGetValue(effects.Tissues[t], out double d) && double.IsFinite(d)) products.Add(e * d);
            }
            result.Add(new VariantRisk(effects.Gene[i], effects.Chrom[i], effects.Pos[i], effects.Ref[i], effects.Alt[i], effects.Dist[i],
                Rank.Median(products), maxAbs, maxTissue, maxEff));
        }
        return result;
    }

    public static Task WriteTsvAsync(string path, IEnumerable<VariantRisk> rows)
    {
        var sb = new StringBuilder("gene\tchrom\tpos\tref\talt\tdist\tviolation_score\tmax_abs_effect\tmax_tissue\tmax_effect\n");
        foreach (var r in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{r.Gene}\t{r.Chrom}\t{r.Pos}\t{r.Ref}\t{r.Alt}\t{r.Dist}\t{r.ViolationScore:R}\t{r.MaxAbsEffect:R}\t{r.MaxTissue}\t{r.MaxEffect:R}\n");
        return AtomicFile.WriteAllTextAsync(path, sb.ToString());
    }
}

/// <summary>One variant of a GWAS locus: the lead SNP it is in LD with, its r² to the lead, and its alleles (1-based).</summary>
public sealed record LdVariant(string Locus, string Variant, string Chrom, int Pos, string Ref, string Alt, double R2);

/// <summary>A ranked candidate within its locus (rank 1 = most likely causal).</summary>
public sealed record PrioritizedVariant(string Locus, int Rank, LdVariant Variant, string? Gene, double MaxAbsEffect, string? MaxTissue, double MaxEffect);

/// <summary>
/// GWAS fine-mapping by predicted effect, as in ExPecto: within each locus (a lead SNP and the variants in LD with it)
/// rank the variants by their largest predicted |effect| over non-cancer tissues and over every gene they are scored
/// for. Variants without a prediction rank last (ties broken by higher r², then input order).
/// </summary>
public static class GwasPrioritizer
{
    /// <summary>
    /// Reads a loci TSV with a header holding the columns <c>locus</c> (the lead SNP), <c>variant</c>, <c>chrom</c>,
    /// <c>pos</c> (1-based), <c>ref</c>, <c>alt</c>, <c>r2</c>, in any order (PLINK-style aliases such as lead, SNP_B,
    /// BP_B, R2 accepted); extra columns are ignored.
    /// </summary>
    public static IReadOnlyList<LdVariant> ReadLoci(string path)
    {
        string[] want = ["locus", "variant", "chrom", "pos", "ref", "alt", "r2"];
        int[]? idx = null;
        long lineNo = 0;
        var rows = new List<LdVariant>();
        foreach (var line in Csv.ReadLines(path))
        {
            lineNo++;
            if (line.Trim().Length == 0 || line.StartsWith('#') && idx is not null) continue;
            var f = line.TrimEnd('\r').Split('\t');
            if (idx is null)
            {
                idx = want.Select(w => Array.FindIndex(f, h => Aliases(w).Contains(h.Trim().TrimStart('#'), StringComparer.OrdinalIgnoreCase))).ToArray();
                if (idx.Any(i => i < 0)) throw new InputException(path, lineNo, $"expected header columns {string.Join(", ", want)}, found {string.Join(", ", f)}");
                continue;
            }
            if (f.Length <= idx.Max()) throw new InputException(path, lineNo, $"expected {idx.Max() + 1} or more fields, found {f.Length}");
            if (!int.TryParse(f[idx[3]], CultureInfo.InvariantCulture, out int pos) || pos < 1)
                throw new InputException(path, lineNo, $"expected a 1-based position, found '{f[idx[3]]}'");
            if (!double.TryParse(f[idx[6]], NumberStyles.Float, CultureInfo.InvariantCulture, out double r2))
                throw new InputException(path, lineNo, $"expected r2 as a number, found '{f[idx[6]]}'");
            rows.Add(new LdVariant(f[idx[0]], f[idx[1]], f[idx[2]], pos, f[idx[4]].ToUpperInvariant(), f[idx[5]].ToUpperInvariant(), r2));
        }
        return rows;
    }

    /// <summary>Header names accepted for a loci column (PLINK's --r2 output and common GWAS tables).</summary>
    private static string[] Aliases(string column) => column switch
    {
        "locus" => ["locus", "lead", "lead_snp", "SNP_A", "index_snp"],
        "variant" => ["variant", "snp", "rsid", "SNP_B", "id"],
        "chrom" => ["chrom", "chr", "CHR_B"],
        "pos" => ["pos", "position", "BP_B"],
        "r2" => ["r2", "R2", "r^2", "rsq"],
        _ => [column],
    };

    public static IReadOnlyList<PrioritizedVariant> Prioritize(IReadOnlyList<LdVariant> loci, IEnumerable<GeneEffects> effects, TissueMetadata? metadata = null)
    {
        metadata ??= TissueMetadata.Default;
        var best = new Dictionary<(string, int, string, string), (string Gene, double Abs, string Tissue, double Eff)>();
        foreach (var table in effects)
        {
            var nonCancer = metadata.NonCancerIndices(table.Tissues);
            for (int i = 0; i < table.Count; i++)
            {
                var key = (NoChr(table.Chrom[i]), table.Pos[i], table.Ref[i].ToUpperInvariant(), table.Alt[i].ToUpperInvariant());
                foreach (int t in nonCancer)
                {
                    double e = table.Effects[t][i];
                    if (!double.IsFinite(e)) continue;
                    if (!best.TryGetValue(key, out var cur) || Math.Abs(e) > cur.Abs)
                        best[key] = (table.Gene[i], Math.Abs(e), table.Tissues[t], e);
                }
            }
        }
        var result = new List<PrioritizedVariant>();
        foreach (var locus in loci.Select((v, i) => (v, i)).GroupBy(x => x.v.Locus))
        {
            var ranked = locus
                .Select(x => (x.v, x.i, found: best.TryGetValue((NoChr(x.v.Chrom), x.v.Pos, x.v.Ref, x.v.Alt), out var b), b))
                .OrderByDescending(x => x.found ? x.b.Abs : double.NegativeInfinity)
                .ThenByDescending(x => x.v.R2)
                .ThenBy(x => x.i)
                .ToArray();
            for (int r = 0; r < ranked.Length; r++)
            {
                var x = ranked[r];
                result.Add(x.found
                    ? new PrioritizedVariant(locus.Key, r + 1, x.v, x.b.Gene, x.b.Abs, x.b.Tissue, x.b.Eff)
                    : new PrioritizedVariant(locus.Key, r + 1, x.v, null, double.NaN, null, double.NaN));
            }
        }
        return result;
    }

    public static Task WriteTsvAsync(string path, IEnumerable<PrioritizedVariant> rows)
    {
        var sb = new StringBuilder("locus\trank\tvariant\tchrom\tpos\tref\talt\tr2\tgene\tmax_abs_effect\tmax_tissue\tmax_effect\n");
        foreach (var p in rows)
            sb.Append(CultureInfo.InvariantCulture,
                $"{p.Locus}\t{p.Rank}\t{p.Variant.Variant}\t{p.Variant.Chrom}\t{p.Variant.Pos}\t{p.Variant.Ref}\t{p.Variant.Alt}\t{p.Variant.R2:R}\t{p.Gene ?? "NA"}\t{Num(p.MaxAbsEffect)}\t{p.MaxTissue ?? "NA"}\t{Num(p.MaxEffect)}\n");
        return AtomicFile.WriteAllTextAsync(path, sb.ToString());
    }

    private static string Num(double v) => double.IsNaN(v) ? "NA" : v.ToString("R", CultureInfo.InvariantCulture);

    internal static string NoChr(string c) => c.StartsWith("chr", StringComparison.OrdinalIgnoreCase) ? c[3..] : c;
}
