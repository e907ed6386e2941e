namespace ExPecto.Core.Chromatin;

/// <summary>
/// The one place where the model's base order lives: channels A, G, C, T (Beluga's order, not alphabetical).
/// Lower case encodes like upper case (soft-masked repeats are real sequence); N and every other IUPAC code
/// encode as an all-zero column.
/// </summary>
public static class OneHot
{
    public const int Channels = 4;

    /// <summary>Channel of a base in A,G,C,T order, or -1 for N and other codes.</summary>
    public static int Channel(byte b) => b switch
    {
        (byte)'A' or (byte)'a' => 0,
        (byte)'G' or (byte)'g' => 1,
        (byte)'C' or (byte)'c' => 2,
        (byte)'T' or (byte)'t' => 3,
        _ => -1,
    };

    /// <summary>
    /// Encodes <paramref name="seq"/> (length L) into <paramref name="dest"/> laid out [4, L] channel-major
    /// (the [4,1,L] layout Beluga takes). <paramref name="dest"/> must be zeroed or is zeroed here.
    /// </summary>
    public static void Encode(ReadOnlySpan<byte> seq, Span<float> dest)
    {
        int length = seq.Length;
        if (dest.Length < Channels * length)
            throw new ArgumentException($"destination holds {dest.Length} floats, needs {Channels * length}", nameof(dest));
        dest[..(Channels * length)].Clear();
        for (int i = 0; i < length; i++)
        {
            int c = Channel(seq[i]);
            if (c >= 0) dest[c * length + i] = 1f;
        }
    }

    /// <summary>Watson–Crick complement of an ASCII base, case kept; other codes map to N.</summary>
    public static byte Complement(byte b) => b switch
    {
        (byte)'A' => (byte)'T', (byte)'T' => (byte)'A', (byte)'G' => (byte)'C', (byte)'C' => (byte)'G',
        (byte)'a' => (byte)'t', (byte)'t' => (byte)'a', (byte)'g' => (byte)'c', (byte)'c' => (byte)'g',
        _ => (byte)'N',
    };
}
