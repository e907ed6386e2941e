using System.Globalization;

namespace ExPecto.Core.Annotation;

/// <summary>
/// One row of ExPecto's closest-gene file: a variant (1-based <see cref="Pos"/>, REF, ALT) and the gene ExPecto
/// assigned it to. <see cref="Distance"/> is BEDOPS <c>closest-features --dist</c>'s signed distance, as written:
/// positive when the gene's TSS lies after the variant on the genome's + strand (TSS − pos), whatever the gene's strand.
/// </summary>
public sealed record ClosestGeneAssignment(string Chrom, long Pos, string Ref, string Alt, string GeneId, int Strand, long Distance, long SourceLine);

/// <summary>
/// Reads ExPecto's <c>*.closestgene</c> files (BEDOPS closest-features output, tab-separated, 11 columns):
/// variant <c>chrom start0 end ref alt</c>, gene TSS <c>chrom start0 end</c>, then <c>strand</c>, gene id and the signed
/// distance. Streams rows in file order; plain or gzip.
/// </summary>
public static class ClosestGeneFile
{
    /// <exception cref="InputException">A row with too few columns, a bad number or strand (file and line named).</exception>
    public static IEnumerable<ClosestGeneAssignment> Read(string path)
    {
        foreach (var (no, text) in TextInput.ReadLines(path))
        {
            if (text.Length == 0 || text.StartsWith('#'))
                continue;
            string[] f = text.Split('\t');
            if (f.Length < 11)
                throw new InputException(path, no, $"expected 11 tab-separated columns (chrom start end ref alt, gene chrom start end, strand, gene id, distance), found {f.Length}");
            if (!long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out long start0))
                throw new InputException(path, no, $"expected a 0-based variant start in column 2, found '{f[1]}'");
            if (!long.TryParse(f[10], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long dist))
                throw new InputException(path, no, $"expected a signed distance in column 11, found '{f[10]}'");
            int strand = Gene.ParseStrand(f[8]) ?? throw new InputException(path, no, $"expected strand '+' or '-' in column 9, found '{f[8]}'");
            if (f[9].Length == 0)
                throw new InputException(path, no, "empty gene id in column 10");
            yield return new ClosestGeneAssignment(f[0], start0 + 1, f[3], f[4], f[9], strand, dist, no);
        }
    }
}
