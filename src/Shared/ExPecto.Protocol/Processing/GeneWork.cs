namespace ExPecto.Protocol.Processing;

/// <summary>
/// Everything a job fixes: the inputs (paths as seen by every node; a shared filesystem is assumed) and the
/// parameters of the saturation mutagenesis. Two submissions with the same input digests and parameters are the
/// same job (see <see cref="Jobs.JobIdentity"/>).
/// </summary>
/// <param name="GenomePath">Reference genome FASTA (indexed).</param>
/// <param name="AnnotationPath">Gene annotation with representative TSS per gene.</param>
/// <param name="BelugaWeightsPath">Beluga chromatin model weights.</param>
/// <param name="ModelsListPath">List of the tissue expression models, one per line, in output column order.</param>
/// <param name="OutputDir">Job output folder; per-gene files, manifest.json and _SUCCESS land here.</param>
/// <param name="Radius">Mutated positions per side of the TSS (ExPecto: 1,000, giving 2,001 positions).</param>
/// <param name="Threshold">|effect| at or above which a row is "strong" (ExPecto's catalogue: 0.3, natural-log fold change).</param>
/// <param name="Engine">Engine name (incremental, naive; test builds add fake), see <see cref="EngineCatalog"/>.</param>
/// <param name="BatchSize">Mutations per engine batch (as `expecto mutagenesis --batch-size`); results do not depend on it.</param>
public sealed record JobSpec(
    string GenomePath,
    string AnnotationPath,
    string BelugaWeightsPath,
    string ModelsListPath,
    string OutputDir,
    int Radius,
    double Threshold,
    string Engine,
    int BatchSize)
{
    /// <summary>Engine parameters (sorted when digested; part of the job id), only those the engine reads; empty by default.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// The engine's arithmetic (`--precision`). fp32, the default, leaves job ids, gene digests and manifests as
    /// they were before precisions existed; any other value enters all three, so a fast run never passes for an exact one.
    /// </summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ExPecto.Core.Chromatin.ComputePrecision>))]
    public ExPecto.Core.Chromatin.ComputePrecision Precision { get; init; } = ExPecto.Core.Chromatin.ComputePrecision.Fp32;
}

/// <summary>A gene selected for a job: its stable id (e.g. ENSG…) and chromosome (routing and output folders).</summary>
public sealed record GeneRef(string GeneId, string Chrom);

/// <summary>One unit of work handed to a worker: one gene of one job.</summary>
public sealed record GeneWorkItem(string JobId, string GeneId, string Chrom, JobSpec Spec);

/// <summary>
/// What processing one gene produced. Files are relative to the job's output folder, written atomically, with
/// deterministic names, so a repeated attempt rewrites identical bytes. Checksum = <see cref="OutputChecksum"/>
/// over those files (lowercase hex SHA-256).
/// </summary>
/// <param name="Rows">Mutation rows written.</param>
/// <param name="StrongRows">Rows with some |effect| ≥ threshold.</param>
/// <remarks>
/// The job manager keeps one of these per settled gene, in memory and in every snapshot, so it holds only what the
/// manifest needs. The per-tissue variation potential (218 floats × 2) stays in the gene's summary file, from which
/// the finalizer builds genes.parquet. Journals written while this record had a "Summary" member still read: the
/// serializer ignores JSON members a record no longer has.
/// </remarks>
public sealed record GeneOutcome(long Rows, long StrongRows, IReadOnlyList<string> Files, string Checksum);

/// <summary>
/// The seam to the science: processes one gene completely (all mutations, all tissues) and writes its files.
/// Must be deterministic (same item → same bytes) and must write files temp-then-rename. Implementations run on
/// one device; the worker calls them from one dedicated thread per device, one gene at a time.
/// </summary>
public interface IGeneProcessor
{
    Task<GeneOutcome> ProcessAsync(GeneWorkItem item, CancellationToken ct);

    /// <summary>
    /// Mutations per engine batch this processor uses for <paramref name="spec"/>: the job's batch size, or the value
    /// a job's 0 (the device default) resolves to here. What a worker reports (admin `workers`).
    /// </summary>
    int BatchSize(JobSpec spec) => spec.BatchSize;
}

/// <summary>Creates one processor per device (`cpu`, `cuda:0`, …); the worker owns and disposes what it creates.</summary>
public interface IGeneProcessorFactory
{
    IGeneProcessor Create(string device);

    /// <summary>
    /// The job parameters (<see cref="JobSpec.Parameters"/> keys) this engine reads; a job naming any other is
    /// refused (<see cref="EngineCatalog.Check(JobSpec, string?)"/>).
    /// </summary>
    IReadOnlyCollection<string> Parameters { get; }
}
