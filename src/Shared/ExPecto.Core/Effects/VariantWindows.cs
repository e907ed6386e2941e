using ExPecto.Core.Transforms;

namespace ExPecto.Core.Effects;

/// <summary>
/// ExPecto's rule (chromatin.py) for the reference and alternative 2,000 bp windows of a variant at one shift:
/// fetch the 2,100 bp genome interval [pos+s−1049, pos+s+1050] (1-based, closed), splice the allele in at index
/// 1049−s in place of len(REF) bases, then centre-crop to 2,000 bp (crop start = floor((L−2000)/2)). The REF window
/// is spliced with the VCF's REF too, as chromatin.py does, so a REF mismatch does not leak genome bases in.
/// An SNV therefore sits at window index 999−s. Indels change L, so the crop re-centres them.
/// </summary>
public static class VariantWindows
{
    public const int WindowLength = 2000;
    public const int FetchLength = 2100;
    /// <summary>Largest |len(ALT) − len(REF)| the rule supports; longer indels are refused per record.</summary>
    public const int MaxIndelLength = 100;

    /// <summary>The 0-based start of the 2,100 bp fetch for a 1-based position and shift.</summary>
    public static long FetchStart0(long pos1, int shift) => pos1 + shift - 1050;

    /// <summary>Why a REF/ALT pair cannot be scored, or null when it can.</summary>
    public static string? Refusal(string refAllele, string altAllele)
    {
        if (refAllele.Length == 0 || altAllele.Length == 0) return "empty allele";
        int indel = Math.Abs(altAllele.Length - refAllele.Length);
        if (indel > MaxIndelLength) return $"indel of {indel} bp is longer than the {MaxIndelLength} bp ExPecto's window rule supports";
        if (refAllele.Length > FetchLength - 1049 - VariantShifts.All.Max()) return $"REF of {refAllele.Length} bp runs past the fetched window";
        return null;
    }

    /// <summary>
    /// Builds both windows. <paramref name="fetched"/> is the 2,100 bp genome sequence from
    /// <see cref="FetchStart0"/>; returns whether the genome matches REF at the variant (case-insensitive).
    /// </summary>
    public static bool Build(ReadOnlySpan<byte> fetched, int shift, string refAllele, string altAllele,
        Span<byte> refWindow, Span<byte> altWindow)
    {
        if (fetched.Length != FetchLength) throw new ArgumentException($"fetched {fetched.Length} bp, expected {FetchLength}");
        string? refusal = Refusal(refAllele, altAllele);
        if (refusal is not null) throw new ArgumentException(refusal);
        int mut = 1049 - shift;
        bool matched = true;
        for (int i = 0; i < refAllele.Length; i++)
            matched &= char.ToUpperInvariant((char)fetched[mut + i]) == char.ToUpperInvariant(refAllele[i]);
        SpliceAndCrop(fetched, mut, refAllele.Length, refAllele, refWindow);
        SpliceAndCrop(fetched, mut, refAllele.Length, altAllele, altWindow);
        return matched;
    }

    private static void SpliceAndCrop(ReadOnlySpan<byte> fetched, int mut, int replaced, string allele, Span<byte> window)
    {
        int length = fetched.Length - replaced + allele.Length;
        int start = (length - WindowLength) / 2; // length ≥ 2000, so this is floor((L−2000)/2)
        for (int w = 0; w < WindowLength; w++)
        {
            int i = start + w; // index into the spliced sequence
            window[w] = i < mut ? fetched[i]
                : i < mut + allele.Length ? (byte)allele[i - mut]
                : fetched[i - allele.Length + replaced];
        }
    }
}
