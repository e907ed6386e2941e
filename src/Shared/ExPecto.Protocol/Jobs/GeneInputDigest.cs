using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ExPecto.Core.Annotation;
using ExPecto.Core.Genome;
using ExPecto.Protocol.Processing;

namespace ExPecto.Protocol.Jobs;

/// <summary>
/// Per-gene input digests: what one gene's output depends on, so that a scheduled run recomputes only the genes
/// whose inputs changed. A gene's digest is SHA-256 (lowercase hex) over
/// <list type="number">
/// <item>the job-wide part (<see cref="Shared"/>): the models list and every model file's digest, the Beluga weights
/// digest, and the parameters (radius, threshold, engine, batch size, engine parameters) — never paths;</item>
/// <item>the gene's annotation row (id, symbol, chromosome, 1-based TSS, strand, type);</item>
/// <item>the reference bases of the gene's region (<see cref="Region"/>).</item>
/// </list>
/// Changing one gene's row or one base inside its region changes that gene's digest only; changing a model file,
/// the weights or a parameter changes every gene's digest. Whole-file digests of the genome and the annotation are
/// deliberately not part of it.
/// </summary>
public static class GeneInputDigest
{
    /// <summary>
    /// Bases each side of the TSS, beyond the mutagenesis radius, that a gene's output may depend on: the 20 kb span
    /// of the TSS features plus the 1 kb half-width of a 2,000 bp window. Encloses <see cref="Core.Mutagenesis.MutagenesisRegion"/>
    /// (radius + 1,800) with room, so a change that matters is never missed.
    /// </summary>
    public const int Flank = 20_000 + 1_000;

    /// <summary>The region digested for a gene: 0-based half-open [TSS − 1 − R − Flank, TSS + R + Flank), TSS 1-based.</summary>
    public static (long Start0, long End0) Region(long tss1, int radius)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        return (tss1 - 1 - radius - Flank, tss1 + radius + Flank);
    }

    /// <summary>The job-wide part of every gene's digest (lowercase hex SHA-256).</summary>
    public static string Shared(InputDigests digests, JobSpec spec)
    {
        var sb = new StringBuilder("expecto-gene-input-v1\n");
        sb.Append("modellist=").Append(digests.ModelsList).Append('\n');
        foreach (var m in digests.Models) sb.Append("model=").Append(m.Name).Append('=').Append(m.Sha256).Append('\n');
        sb.Append("beluga=").Append(digests.BelugaWeights).Append('\n');
        sb.Append("radius=").Append(spec.Radius.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("threshold=").Append(spec.Threshold.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("engine=").Append(spec.Engine).Append('\n');
        sb.Append("batch=").Append(spec.BatchSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
        JobIdentity.AppendPrecision(sb, spec);
        foreach (var kv in spec.Parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sb.Append("param=").Append(kv.Key).Append('=').Append(kv.Value).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>
    /// One gene's digest from its parts. <paramref name="gene"/> is null when the annotation has no row for the
    /// gene id; <paramref name="region"/> is the bases of <see cref="Region"/> (ASCII, 'N' outside the contig), or
    /// empty when the genome lacks the contig.
    /// </summary>
    public static string Compute(string shared, string geneId, Gene? gene, ReadOnlySpan<byte> region)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var head = new StringBuilder().Append(shared).Append('\n').Append("gene=").Append(geneId).Append('\n');
        head.Append(gene is null
            ? "row=absent\n"
            : string.Create(CultureInfo.InvariantCulture, $"row={gene.Id}\t{gene.Symbol}\t{gene.Chrom}\t{gene.Tss}\t{gene.StrandChar}\t{gene.Type}\n"));
        head.Append("region=").Append(region.Length.ToString(CultureInfo.InvariantCulture)).Append('\n');
        hash.AppendData(Encoding.UTF8.GetBytes(head.ToString()));
        hash.AppendData(region);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// Digests of <paramref name="genes"/> (gene id → digest), reading the annotation and the indexed genome of
    /// <paramref name="spec"/>. Genes the annotation lacks, or whose contig the genome lacks, still get a digest
    /// (their processing fails the same way every time, so they count as changed only when that changes).
    /// </summary>
    public static IReadOnlyDictionary<string, string> ForGenes(JobSpec spec, InputDigests digests, IReadOnlyList<GeneRef> genes)
    {
        string shared = Shared(digests, spec);
        var annotation = GeneAnnotation.Load(spec.AnnotationPath);
        using var genome = IndexedFasta.Open(spec.GenomePath);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        byte[] buffer = [];
        foreach (var g in genes)
        {
            if (!annotation.TryGet(g.GeneId, out var gene))
            {
                result[g.GeneId] = Compute(shared, g.GeneId, null, []);
                continue;
            }
            var (start0, end0) = Region(gene.Tss, spec.Radius);
            int length = checked((int)(end0 - start0));
            if (!genome.TryResolveContig(gene.Chrom, out string contig))
            {
                result[g.GeneId] = Compute(shared, g.GeneId, gene, []);
                continue;
            }
            if (buffer.Length != length) buffer = new byte[length];
            genome.Fetch(contig, start0, buffer);
            result[g.GeneId] = Compute(shared, g.GeneId, gene, buffer);
        }
        return result;
    }
}
