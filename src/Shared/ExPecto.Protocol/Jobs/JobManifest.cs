using ExPecto.Core.Output;
using ExPecto.Protocol.Messages;
using System.Globalization;
using System.Text.Json;
using ExPecto.Protocol.Processing;

namespace ExPecto.Protocol.Jobs;

/// <summary>
/// manifest.json: the deterministic account of a finished job (no timestamps, no host names, genes in id order),
/// so an interrupted run and an uninterrupted one leave byte-identical manifests. _SUCCESS is written after it,
/// only when every gene committed; a partial job lists its failed genes with their errors instead, and a cancelled
/// job says "status": "cancelled" and lists the genes it never ran as failed with the error "cancelled".
/// </summary>
public static class JobManifest
{
    public const string FileName = "manifest.json";
    public const string SuccessMarker = "_SUCCESS";

    public static byte[] Render(FinishedJob job, IReadOnlyList<string> extraFiles)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", "expecto-manifest-v1");
            w.WriteString("jobId", job.JobId);
            w.WriteString("status", job.Cancelled ? "cancelled" : job.IsComplete ? "complete" : "partial");
            w.WriteStartObject("parameters");
            w.WriteNumber("radius", job.Spec.Radius);
            w.WriteString("threshold", job.Spec.Threshold.ToString("R", CultureInfo.InvariantCulture));
            w.WriteString("engine", job.Spec.Engine);
            w.WriteNumber("batchSize", job.Spec.BatchSize);
            // Only when not fp32: fp32 manifests stay byte-identical to those written before precisions existed.
            if (job.Spec.Precision != ExPecto.Core.Chromatin.ComputePrecision.Fp32)
                w.WriteString("precision", ExPecto.Core.Chromatin.ComputePrecisions.Name(job.Spec.Precision));
            foreach (var kv in job.Spec.Parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                w.WriteString(kv.Key, kv.Value);
            w.WriteEndObject();
            w.WriteStartObject("inputs");
            w.WriteString("genome", job.Digests.Genome);
            w.WriteString("annotation", job.Digests.Annotation);
            w.WriteString("belugaWeights", job.Digests.BelugaWeights);
            w.WriteString("modelsList", job.Digests.ModelsList);
            w.WriteStartArray("models");
            foreach (var m in job.Digests.Models)
            {
                w.WriteStartObject();
                w.WriteString("name", m.Name);
                w.WriteString("sha256", m.Sha256);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            var ordered = job.Genes.OrderBy(g => g.GeneId, StringComparer.Ordinal).ToList();
            w.WriteNumber("genes", ordered.Count);
            w.WriteNumber("committed", ordered.Count(g => g.Outcome is not null));
            w.WriteNumber("rows", ordered.Sum(g => g.Outcome?.Rows ?? 0));
            w.WriteNumber("strongRows", ordered.Sum(g => g.Outcome?.StrongRows ?? 0));
            w.WriteStartArray("files");
            foreach (string f in extraFiles.OrderBy(f => f, StringComparer.Ordinal))
                w.WriteStringValue(f.Replace('\\', '/'));
            w.WriteEndArray();
            w.WriteStartArray("geneResults");
            foreach (var g in ordered)
            {
                w.WriteStartObject();
                w.WriteString("gene", g.GeneId);
                w.WriteString("chrom", g.Chrom);
                if (g.Outcome is { } o)
                {
                    w.WriteString("status", "committed");
                    w.WriteNumber("rows", o.Rows);
                    w.WriteNumber("strongRows", o.StrongRows);
                    w.WriteString("sha256", o.Checksum);
                    w.WriteStartArray("files");
                    foreach (string f in o.Files) w.WriteStringValue(f.Replace('\\', '/'));
                    w.WriteEndArray();
                }
                else
                {
                    w.WriteString("status", "failed");
                    w.WriteNumber("attempts", g.Attempts);
                    w.WriteString("error", g.Error ?? "");
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }

    /// <summary>Writes manifest.json, then _SUCCESS when complete; both atomically and only when changed.</summary>
    public static void Write(FinishedJob job, IReadOnlyList<string> extraFiles)
    {
        string dir = job.Spec.OutputDir;
        AtomicFile.WriteIfChanged(Path.Combine(dir, FileName), Render(job, extraFiles));
        if (job.IsComplete)
            AtomicFile.WriteIfChanged(Path.Combine(dir, SuccessMarker), "{}\n"u8);
    }

    /// <summary>
    /// The committed genes that DIR/manifest.json lists for <paramref name="jobId"/> (attempts are not in the manifest:
    /// 0). A compacted job keeps no per-gene results; when it is retried, its next manifest takes them from here.
    /// </summary>
    /// <exception cref="InvalidDataException">No manifest, not this job's, or not one this version wrote.</exception>
    public static IReadOnlyList<GeneResult> ReadCommitted(string outputDir, string jobId)
    {
        string path = Path.Combine(outputDir, FileName);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            if (!root.TryGetProperty("jobId", out var id) || id.GetString() != jobId)
                throw new InvalidDataException($"{path}: not the manifest of job {jobId}");
            var results = new List<GeneResult>();
            foreach (var g in root.GetProperty("geneResults").EnumerateArray())
            {
                if (g.GetProperty("status").GetString() != "committed") continue;
                var files = g.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToList();
                results.Add(new GeneResult(g.GetProperty("gene").GetString()!, g.GetProperty("chrom").GetString()!, 0,
                    new GeneOutcome(g.GetProperty("rows").GetInt64(), g.GetProperty("strongRows").GetInt64(), files, g.GetProperty("sha256").GetString()!), null));
            }
            return results;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: cannot read the committed genes of job {jobId}: {e.Message}", e);
        }
    }

    /// <summary>The job id recorded in DIR/manifest.json when DIR holds a complete job (manifest + _SUCCESS), else null.</summary>
    public static string? CompletedJobId(string outputDir)
    {
        string manifest = Path.Combine(outputDir, FileName);
        if (!File.Exists(manifest) || !File.Exists(Path.Combine(outputDir, SuccessMarker)))
            return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
            return doc.RootElement.TryGetProperty("jobId", out var id) ? id.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
