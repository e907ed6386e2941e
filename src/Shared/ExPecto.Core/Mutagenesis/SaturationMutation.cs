namespace ExPecto.Core.Mutagenesis;

/// <summary>
/// One substitution of a saturation scan. <see cref="Position"/> is 1-based on the + strand (VCF convention);
/// <see cref="Ref"/> and <see cref="Alt"/> are upper-case ASCII A, C, G or T and differ;
/// <see cref="Offset"/> is the 0-based index of the position in the engine region (see <see cref="MutagenesisRegion"/>).
/// </summary>
public readonly record struct SaturationMutation(long Position, byte Ref, byte Alt, int Offset);
