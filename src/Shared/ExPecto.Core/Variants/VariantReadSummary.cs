namespace ExPecto.Core.Variants;

/// <summary>
/// Counts kept while a <see cref="VcfReader"/> streams (complete once its enumeration ends). Every ALT allele read is
/// either yielded or skipped for exactly one reason: <c>AllelesRead == Yielded + SkippedTotal</c>.
/// Not thread-safe; read it from the enumerating thread or after enumeration.
/// </summary>
public sealed class VariantReadSummary
{
    private readonly long[] _skipped = new long[Enum.GetValues<VariantSkipReason>().Length];

    /// <summary>Data lines read (headers and blank lines excluded).</summary>
    public long DataLines { get; internal set; }

    /// <summary>ALT alleles read (a line with ALT <c>A,G</c> counts 2; a <c>.</c> ALT counts 1).</summary>
    public long AllelesRead { get; internal set; }

    /// <summary>Lines with more than one ALT allele, split into one record per allele.</summary>
    public long MultiAllelicLines { get; internal set; }

    /// <summary>Records yielded.</summary>
    public long Yielded { get; internal set; }

    /// <summary>Yielded records whose REF differs from the genome (policy Warn).</summary>
    public long RefMismatches { get; internal set; }

    /// <summary>Alleles skipped for <paramref name="reason"/>.</summary>
    public long Skipped(VariantSkipReason reason) => _skipped[(int)reason];

    /// <summary>Alleles skipped for any reason.</summary>
    public long SkippedTotal => _skipped.Sum();

    /// <summary>Non-zero skip counts by reason.</summary>
    public IReadOnlyDictionary<VariantSkipReason, long> SkippedByReason =>
        Enum.GetValues<VariantSkipReason>().Where(r => Skipped(r) > 0).ToDictionary(r => r, Skipped);

    internal void Skip(VariantSkipReason reason, long alleles = 1) => _skipped[(int)reason] += alleles;

    internal void Reset()
    {
        DataLines = AllelesRead = MultiAllelicLines = Yielded = RefMismatches = 0;
        Array.Clear(_skipped);
    }

    /// <summary>One line, e.g. "881 lines, 881 alleles, 0 multi-allelic lines split, 881 kept, 0 REF mismatches kept; skipped: none".</summary>
    public override string ToString()
    {
        string skipped = SkippedTotal == 0 ? "none" : string.Join(", ", SkippedByReason.Select(kv => $"{kv.Value} {kv.Key}"));
        return $"{DataLines} lines, {AllelesRead} alleles, {MultiAllelicLines} multi-allelic lines split, {Yielded} kept, {RefMismatches} REF mismatches kept; skipped: {skipped}";
    }
}
