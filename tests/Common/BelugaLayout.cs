namespace ExPecto.Testing;

/// <summary>
/// The published Beluga's output count and the tissue-model widths it implies, for tests of files made for it
/// (the production code takes F from each weight file).
/// </summary>
internal static class BelugaLayout
{
    /// <summary>F: chromatin outputs of deepsea.beluga.pth.</summary>
    public const int F = 2002;

    /// <summary>10·F: ExPecto's canonical tissue-model columns.</summary>
    public const int Canonical = 10 * F;

    /// <summary>10·(F+1): ExPecto's 2018 padded tissue-model columns.</summary>
    public const int Padded = 10 * (F + 1);
}
