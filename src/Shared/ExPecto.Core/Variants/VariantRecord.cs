namespace ExPecto.Core.Variants;

/// <summary>
/// One biallelic variant as read from a VCF: <see cref="Pos"/> is 1-based (VCF convention) and is the position of
/// the first REF base. <see cref="Ref"/> and <see cref="Alt"/> are upper-case ACGTN. <see cref="Chrom"/> is the
/// genome's own contig name when the reader was given a genome (e.g. VCF <c>chr20</c> → <c>20</c>), else as written.
/// Multi-allelic lines give one record per ALT allele, all with the same <see cref="SourceLine"/> (1-based).
/// </summary>
public sealed record VariantRecord(string Chrom, long Pos, string Id, string Ref, string Alt, long SourceLine);

/// <summary>What to do when a VCF REF allele differs from the genome at its position.</summary>
public enum RefMismatchPolicy
{
    /// <summary>Stop with an InputException naming the file and line.</summary>
    Error,

    /// <summary>Keep the variant, count it in <see cref="VariantReadSummary.RefMismatches"/> and report it to the warning callback.</summary>
    Warn,

    /// <summary>Drop the variant, counted under <see cref="VariantSkipReason.RefMismatch"/>.</summary>
    Skip,
}

/// <summary>Why an ALT allele was not turned into a <see cref="VariantRecord"/>.</summary>
public enum VariantSkipReason
{
    /// <summary>A symbolic or breakend ALT (<c>&lt;DEL&gt;</c>, <c>A[chr1:5[</c>, …): no sequence to score.</summary>
    SymbolicAllele,

    /// <summary>The <c>*</c> allele (a deletion spanning this site, described elsewhere).</summary>
    StarAllele,

    /// <summary>ALT is <c>.</c> (no variant).</summary>
    MissingAlt,

    /// <summary>REF or ALT holds letters other than ACGTN (e.g. IUPAC codes).</summary>
    NonAcgtnAllele,

    /// <summary>REF or ALT longer than MaxIndelLength + 1 bases (an indel longer than MaxIndelLength with its anchor base).</summary>
    IndelTooLong,

    /// <summary>The contig is not in the genome (aliases tried).</summary>
    UnknownContig,

    /// <summary>POS &lt; 1, or the REF allele runs past the contig end.</summary>
    OffContig,

    /// <summary>REF differs from the genome and the policy is <see cref="RefMismatchPolicy.Skip"/>.</summary>
    RefMismatch,
}

/// <summary>Options for <see cref="VcfReader"/>.</summary>
public sealed record VcfReadOptions
{
    /// <summary>REF check against the genome (only when a genome is given). Default: warn and count.</summary>
    public RefMismatchPolicy RefMismatch { get; init; } = RefMismatchPolicy.Warn;

    /// <summary>Longest indel accepted, in bases (ExPecto scores short variants in a 2,000-bp window). Default 100.</summary>
    public int MaxIndelLength { get; init; } = 100;

    /// <summary>Called with a one-line message per REF mismatch under <see cref="RefMismatchPolicy.Warn"/>.</summary>
    public Action<string>? Warning { get; init; }
}
