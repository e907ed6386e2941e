using System.Globalization;
using ExPecto.Core.Genome;

namespace ExPecto.Core.Variants;

/// <summary>
/// Streams variants from a VCF: plain, gzip or BGZF (told apart by magic bytes); with <c>##</c>/<c>#CHROM</c>
/// headers or none (ExPecto's example VCF has only the 5 columns CHROM POS ID REF ALT); CRLF and a UTF-8 BOM
/// accepted. Multi-allelic lines are split into one record per ALT allele.
/// <para>With a genome: contig names are resolved to the genome's spelling (<c>chr20</c> → <c>20</c>), unknown
/// contigs and positions off the contig are skipped (counted), and REF is checked under
/// <see cref="VcfReadOptions.RefMismatch"/>. Alleles that cannot be scored are skipped per allele with a
/// <see cref="VariantSkipReason"/>, counted in <see cref="Summary"/>. Malformed lines (fewer than 5 columns,
/// non-numeric POS, empty REF) are an <see cref="InputException"/> naming the file and line.</para>
/// </summary>
public sealed class VcfReader
{
    private readonly IndexedFasta? _genome;
    private readonly VcfReadOptions _options;

    /// <summary>The VCF path.</summary>
    public string Path { get; }

    /// <summary>Counts for the current (or last) enumeration of <see cref="Read"/>.</summary>
    public VariantReadSummary Summary { get; } = new();

    public VcfReader(string path, IndexedFasta? genome = null, VcfReadOptions? options = null)
    {
        Path = path;
        _genome = genome;
        _options = options ?? new VcfReadOptions();
    }

    /// <summary>Reads <paramref name="path"/> to a list; a convenience for small files.</summary>
    public static IReadOnlyList<VariantRecord> ReadAll(string path, IndexedFasta? genome, out VariantReadSummary summary, VcfReadOptions? options = null)
    {
        var reader = new VcfReader(path, genome, options);
        var list = reader.Read().ToList();
        summary = reader.Summary;
        return list;
    }

    /// <summary>Streams the records; each enumeration rereads the file and resets <see cref="Summary"/>.</summary>
    /// <exception cref="InputException">Missing or empty file, malformed line, or a REF mismatch under policy Error.</exception>
    public IEnumerable<VariantRecord> Read()
    {
        if (!File.Exists(Path))
            throw new InputException(Path, null, "VCF file not found");
        if (new FileInfo(Path).Length == 0)
            throw new InputException(Path, null, "VCF file is empty (0 bytes); expected VCF lines (CHROM POS ID REF ALT ...)");
        return ReadIterator();
    }

    private IEnumerable<VariantRecord> ReadIterator()
    {
        Summary.Reset();
        foreach (var (no, text) in TextInput.ReadLines(Path))
        {
            if (text.Length == 0 || text[0] == '#' || string.IsNullOrWhiteSpace(text))
                continue;
            foreach (VariantRecord r in ParseLine(no, text))
                yield return r;
        }
    }

    private List<VariantRecord> ParseLine(long no, string text)
    {
        Summary.DataLines++;
        string[] f = text.Split('\t');
        if (f.Length < 5)
            f = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 5)
            throw new InputException(Path, no, $"expected at least 5 tab-separated columns (CHROM POS ID REF ALT), found {f.Length}");
        string chrom = f[0].Trim(), id = f[2].Trim(), refAllele = f[3].Trim().ToUpperInvariant();
        if (!long.TryParse(f[1].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long pos))
            throw new InputException(Path, no, $"expected a numeric 1-based POS in column 2, found '{f[1]}'");
        if (refAllele.Length == 0 || refAllele == ".")
            throw new InputException(Path, no, $"expected a REF allele in column 4, found '{f[3]}'");
        string[] alts = f[4].Trim().Split(',');
        var records = new List<VariantRecord>(alts.Length);
        Summary.AllelesRead += alts.Length;
        if (alts.Length > 1)
            Summary.MultiAllelicLines++;

        if (_genome is not null)
        {
            if (!_genome.TryResolveContig(chrom, out string canonical))
            {
                Summary.Skip(VariantSkipReason.UnknownContig, alts.Length);
                return records;
            }
            chrom = canonical;
        }
        if (pos < 1 || (_genome is not null && pos - 1 + refAllele.Length > _genome.ContigLength(chrom)))
        {
            Summary.Skip(VariantSkipReason.OffContig, alts.Length);
            return records;
        }
        bool refIsBases = IsBases(refAllele);
        bool refMismatch = false;
        if (_genome is not null && refIsBases)
        {
            string genomic = _genome.Fetch(chrom, pos - 1, refAllele.Length);
            if (!string.Equals(genomic, refAllele, StringComparison.Ordinal))
            {
                string what = $"REF '{Shorten(refAllele)}' at {f[0]}:{pos} does not match the genome ('{Shorten(genomic)}')";
                switch (_options.RefMismatch)
                {
                    case RefMismatchPolicy.Error:
                        throw new InputException(Path, no, what + "; is the VCF on the same genome build?");
                    case RefMismatchPolicy.Skip:
                        Summary.Skip(VariantSkipReason.RefMismatch, alts.Length);
                        return records;
                    default:
                        refMismatch = true;
                        _options.Warning?.Invoke($"{Path}:{no}: {what}; kept");
                        break;
                }
            }
        }
        foreach (string rawAlt in alts)
        {
            string alt = rawAlt.Trim().ToUpperInvariant();
            VariantSkipReason? skip = alt switch
            {
                "." or "" => VariantSkipReason.MissingAlt,
                "*" => VariantSkipReason.StarAllele,
                _ when alt.StartsWith('<') || alt.Contains('[') || alt.Contains(']') || alt.Contains('.') => VariantSkipReason.SymbolicAllele,
                _ when !refIsBases || !IsBases(alt) => VariantSkipReason.NonAcgtnAllele,
                _ when Math.Max(refAllele.Length, alt.Length) > _options.MaxIndelLength + 1 => VariantSkipReason.IndelTooLong,
                _ => null,
            };
            if (skip is { } reason)
            {
                Summary.Skip(reason);
                continue;
            }
            records.Add(new VariantRecord(chrom, pos, id, refAllele, alt, no));
            Summary.Yielded++;
            if (refMismatch)
                Summary.RefMismatches++;
        }
        return records;
    }

    private static bool IsBases(string allele)
    {
        foreach (char c in allele)
        {
            if (c is not ('A' or 'C' or 'G' or 'T' or 'N'))
                return false;
        }
        return true;
    }

    private static string Shorten(string s) => s.Length <= 20 ? s : s[..20] + "…";
}
