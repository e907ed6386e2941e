using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ExPecto.Protocol.Processing;

namespace ExPecto.Protocol.Jobs;

/// <summary>SHA-256 digests of a job's input files (lowercase hex). Model digests follow the models list order.</summary>
public sealed record InputDigests(
    string Genome,
    string Annotation,
    string BelugaWeights,
    string ModelsList,
    IReadOnlyList<ModelDigest> Models);

/// <summary>One tissue model file named by the models list, as written there, and its SHA-256.</summary>
public sealed record ModelDigest(string Name, string Sha256);

/// <summary>
/// Derives a job id from what determines the job's output: the content digests of its inputs, its parameters and
/// its gene selection — never from paths (inputs or output folder) or time. Resubmitting the same work yields the
/// same id, and the cluster runs it once, into the output folder of its first submission.
/// </summary>
public static class JobIdentity
{
    /// <summary>Digests every input file. Missing files become <see cref="ExPecto.Core.InputException"/>s.</summary>
    public static InputDigests DigestInputs(JobSpec spec)
    {
        var models = new List<ModelDigest>();
        string listDir = Path.GetDirectoryName(Path.GetFullPath(spec.ModelsListPath))!;
        foreach (string raw in ReadLines(spec.ModelsListPath))
        {
            string name = raw.Trim();
            if (name.Length == 0 || name.StartsWith('#')) continue;
            // A models list names model files (relative to the list, or absolute); other lines are digested only as text.
            string path = Path.IsPathRooted(name) ? name : Path.Combine(listDir, name);
            if (File.Exists(path))
                models.Add(new ModelDigest(name, OutputChecksum.FileSha256(path)));
        }
        return new InputDigests(
            Sha(spec.GenomePath), Sha(spec.AnnotationPath), Sha(spec.BelugaWeightsPath), Sha(spec.ModelsListPath), models);
    }

    /// <summary>"j" + the first 16 hex digits of SHA-256 over the canonical text of digests, parameters and genes.</summary>
    public static string Compute(InputDigests digests, JobSpec spec, IReadOnlyList<GeneRef> genes)
    {
        var sb = new StringBuilder("expecto-job-v1\n");
        sb.Append("genome=").Append(digests.Genome).Append('\n');
        sb.Append("annotation=").Append(digests.Annotation).Append('\n');
        sb.Append("beluga=").Append(digests.BelugaWeights).Append('\n');
        sb.Append("modellist=").Append(digests.ModelsList).Append('\n');
        foreach (var m in digests.Models) sb.Append("model=").Append(m.Name).Append('=').Append(m.Sha256).Append('\n');
        sb.Append("radius=").Append(spec.Radius.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("threshold=").Append(spec.Threshold.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("engine=").Append(spec.Engine).Append('\n');
        sb.Append("batch=").Append(spec.BatchSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
        AppendPrecision(sb, spec);
        foreach (var kv in spec.Parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sb.Append("param=").Append(kv.Key).Append('=').Append(kv.Value).Append('\n');
        foreach (var g in genes.OrderBy(g => g.GeneId, StringComparer.Ordinal))
            sb.Append("gene=").Append(g.GeneId).Append('\t').Append(g.Chrom).Append('\n');
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()));
        return "j" + Convert.ToHexStringLower(hash)[..16];
    }

    /// <summary>
    /// "precision=NAME" for a non-fp32 job; nothing for fp32, so every fp32 id (and gene digest) stays what it was
    /// before precisions existed.
    /// </summary>
    internal static void AppendPrecision(StringBuilder sb, JobSpec spec)
    {
        if (spec.Precision != ExPecto.Core.Chromatin.ComputePrecision.Fp32)
            sb.Append("precision=").Append(ExPecto.Core.Chromatin.ComputePrecisions.Name(spec.Precision)).Append('\n');
    }

    private static string Sha(string path)
    {
        if (!File.Exists(path))
            throw new ExPecto.Core.InputException(path, null, "input file does not exist");
        return OutputChecksum.FileSha256(path);
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        if (!File.Exists(path))
            throw new ExPecto.Core.InputException(path, null, "models list does not exist");
        return File.ReadLines(path);
    }
}
