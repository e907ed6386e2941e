namespace ExPecto.Core.Annotation;

/// <summary>
/// A gene and its representative TSS. <see cref="Tss"/> is 1-based on the + strand of the genome (ExPecto's
/// <c>CAGE_representative_TSS</c>); <see cref="Strand"/> is +1 or −1. <see cref="Chrom"/> is as the annotation spells
/// it (compare through <see cref="Genome.ContigNames.Key"/>). <see cref="SourceLine"/> is the 1-based line it came from.
/// </summary>
public sealed record Gene(string Id, string Symbol, string Chrom, int Strand, long Tss, string Type, long SourceLine)
{
    /// <summary>'+' or '-'.</summary>
    public char StrandChar => Strand > 0 ? '+' : '-';

    /// <summary>+1 for "+", −1 for "-"; null for anything else.</summary>
    public static int? ParseStrand(string s) => s.Trim() switch
    {
        "+" => 1,
        "-" => -1,
        _ => null,
    };
}
