namespace ExPecto.Core.Mutagenesis;

/// <summary>Knobs of a saturation-mutagenesis run.</summary>
public sealed record MutagenesisOptions
{
    public const int DefaultRadius = 1000;
    public const double DefaultStrongThreshold = 0.3;
    public const int DefaultBatchSize = 64;
    public const int DefaultRowGroupRows = 65536;

    /// <summary>Dataset folder (created if absent).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Positions t − R..t + R are mutated (ExPecto: 1,000, i.e. 2,001 positions and 6,003 mutations).</summary>
    public int Radius { get; init; } = DefaultRadius;

    /// <summary>|effect| ≥ this (natural-log fold change) counts as strong; ExPecto's public catalogue used 0.3.</summary>
    public double StrongThreshold { get; init; } = DefaultStrongThreshold;

    /// <summary>Mutations per engine batch.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>Rows per Parquet row group (bounds memory: rows × tissues × 4 bytes).</summary>
    public int RowGroupRows { get; init; } = DefaultRowGroupRows;

    /// <summary>
    /// Re-hash existing files before skipping a gene. Size, footer, row counts and columns are always checked (that
    /// catches truncation); hashing also catches flipped bytes but reads every file again (~5 MB a gene, ~100 GB a
    /// genome), so it is off by default.
    /// </summary>
    public bool VerifyChecksumsOnSkip { get; init; }

    /// <summary>
    /// Delete crash leftovers (hidden *.tmp files) under the dataset at start. Leave on unless another process may be
    /// writing into the same dataset at the same time.
    /// </summary>
    public bool DeleteStaleTempFiles { get; init; } = true;
}
