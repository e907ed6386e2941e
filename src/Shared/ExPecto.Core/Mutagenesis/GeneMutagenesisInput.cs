namespace ExPecto.Core.Mutagenesis;

/// <summary>
/// One gene to scan with its reference sequence. <paramref name="Tss"/> is 1-based; <paramref name="Strand"/> ±1;
/// <paramref name="Region"/> holds genome bases from <paramref name="RegionStart0"/> (0-based) on and must cover
/// <see cref="MutagenesisRegion.For"/>(Tss, Radius); extra flanks are ignored.
/// </summary>
public sealed record GeneMutagenesisInput(
    string GeneId,
    string Chrom,
    int Strand,
    long Tss,
    ReadOnlyMemory<byte> Region,
    long RegionStart0,
    int Radius);
