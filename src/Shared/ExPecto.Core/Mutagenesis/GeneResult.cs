namespace ExPecto.Core.Mutagenesis;

/// <summary>Gene-wise variation potential in one tissue (ExPecto's saturation-mutagenesis summary).</summary>
/// <param name="Tissue">Tissue name as the model list spells it.</param>
/// <param name="Directionality">Σ effects over the gene's mutations (natural-log fold changes).</param>
/// <param name="Magnitude">Σ |effects|.</param>
/// <param name="Strong">Mutations with |effect| ≥ the run's strong threshold.</param>
public sealed record TissueSummary(string Tissue, double Directionality, double Magnitude, int Strong);

/// <summary>One finished output file of a gene: path relative to the dataset root ('/'-separated), size, rows, SHA-256 (lower-case hex).</summary>
public sealed record GeneOutputFile(string Path, long Bytes, long Rows, string Sha256);

/// <summary>
/// What one gene's scan produced; also the content of its <c>_summaries/&lt;gene&gt;.json</c>, from which
/// genes.parquet is rebuilt and re-runs are validated. <see cref="Checksum"/> is SHA-256 over the files' own
/// checksums (path, tab, sha256, newline, in <see cref="Files"/> order): equal outputs give equal checksums.
/// </summary>
public sealed record GeneResult(
    string Gene,
    string Chrom,
    int Strand,
    long Tss,
    int Radius,
    int Mutations,
    int SkippedPositions,
    double StrongThreshold,
    long StrongRows,
    string Checksum,
    IReadOnlyList<GeneOutputFile> Files,
    IReadOnlyList<TissueSummary> Tissues)
{
    /// <summary>Version of this record's JSON shape in the summary file.</summary>
    public int FormatVersion { get; init; } = 1;
}
