namespace ExPecto.Core.Genome;

/// <summary>
/// Contig name aliasing shared by the genome, the annotation and the VCF reader: <c>chr20</c> ≡ <c>20</c>,
/// <c>chrX</c> ≡ <c>X</c>, <c>chrM</c> ≡ <c>MT</c> ≡ <c>M</c>. Exact names always win over aliases.
/// </summary>
public static class ContigNames
{
    /// <summary>
    /// The comparison key of a contig name: without a leading <c>chr</c> (any case), <c>MT</c> as <c>M</c>,
    /// upper case. Two names are aliases exactly when their keys are equal.
    /// </summary>
    public static string Key(string name)
    {
        ReadOnlySpan<char> s = name.AsSpan().Trim();
        if (s.Length > 3 && s[..3].Equals("chr", StringComparison.OrdinalIgnoreCase))
            s = s[3..];
        string key = s.ToString().ToUpperInvariant();
        return key == "MT" ? "M" : key;
    }
}
