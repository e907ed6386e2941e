using System.Text.Json;
using ExPecto.Core;

namespace ExPecto.Coordinator.Jobs;

/// <summary>
/// A job spec file: the same fields as the `run`/`submit` flags, as one JSON object, for `expecto submit --spec`,
/// `expecto admin … job submit FILE` and schedules. Example:
/// <code>
/// { "resources": "/data/expecto", "genes": "chrom:chr20", "out": "/out/chr20",
///   "radius": 1000, "threshold": 0.3, "engine": "incremental", "batchSize": 64, "params": { } }
/// </code>
/// Keys: genome, annotation, beluga (or weights), models, resources, genes, out, radius, threshold, engine,
/// batchSize, params. Unknown keys are errors (a typo must not silently fall back to a default). Relative paths
/// resolve against the directory the reader names: the spec file's folder for a local file; the coordinator's
/// working directory for a spec sent through the admin console.
/// </summary>
public static class JobSpecFile
{
    private static readonly string[] Keys =
        ["genome", "annotation", "beluga", "weights", "models", "resources", "genes", "out", "radius", "threshold", "engine", "batchSize", "params"];

    /// <summary>Reads a spec file from disk; relative paths resolve against its folder.</summary>
    public static JobRequest Read(string path)
    {
        if (!File.Exists(path)) throw new InputException(path, null, "job spec file does not exist");
        return Parse(path, File.ReadAllText(path));
    }

    /// <summary>Parses spec text; <paramref name="fileName"/> names it in errors.</summary>
    public static JobRequest Parse(string fileName, string text)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InputException(fileName, (e.LineNumber ?? 0) + 1, $"expected a JSON object: {e.Message.Split(" Path:")[0]}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InputException(fileName, 1, $"expected a JSON object, found {doc.RootElement.ValueKind}");
            var request = new JobRequest();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (!Keys.Contains(p.Name, StringComparer.Ordinal))
                    throw new InputException(fileName, null, $"unknown key '{p.Name}' (expected one of {string.Join(", ", Keys)})");
                request = p.Name switch
                {
                    "genome" => request with { Genome = Str(fileName, p) },
                    "annotation" => request with { Annotation = Str(fileName, p) },
                    "beluga" or "weights" => request with { Beluga = Str(fileName, p) },
                    "models" => request with { Models = Str(fileName, p) },
                    "resources" => request with { Resources = Str(fileName, p) },
                    "genes" => request with { Genes = Str(fileName, p) },
                    "out" => request with { Out = Str(fileName, p) },
                    "radius" => request with { Radius = Int(fileName, p) },
                    "threshold" => request with { Threshold = Num(fileName, p) },
                    "engine" => request with { Engine = Str(fileName, p) },
                    "batchSize" => request with { BatchSize = Int(fileName, p) },
                    "params" => request with { Parameters = Params(fileName, p) },
                    _ => request,
                };
            }
            return request;
        }
    }

    /// <summary>The spec text of a request (the inverse of <see cref="Parse"/> for the fields set).</summary>
    public static string Format(JobRequest r)
    {
        var o = new Dictionary<string, object?>(StringComparer.Ordinal);
        void Put(string key, object? value) { if (value is not null) o[key] = value; }
        Put("genome", r.Genome); Put("annotation", r.Annotation); Put("beluga", r.Beluga); Put("models", r.Models);
        Put("resources", r.Resources); Put("genes", r.Genes); Put("out", r.Out); Put("radius", r.Radius);
        Put("threshold", r.Threshold); Put("engine", r.Engine); Put("batchSize", r.BatchSize);
        if (r.Parameters.Count > 0) o["params"] = r.Parameters;
        return JsonSerializer.Serialize(o, new JsonSerializerOptions { WriteIndented = true });
    }

    private static string Str(string file, JsonProperty p) => p.Value.ValueKind == JsonValueKind.String
        ? p.Value.GetString()!
        : throw new InputException(file, null, $"'{p.Name}' must be a string, found {p.Value.ValueKind}");

    private static int Int(string file, JsonProperty p) => p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out int v)
        ? v
        : throw new InputException(file, null, $"'{p.Name}' must be an integer, found {p.Value.GetRawText()}");

    private static double Num(string file, JsonProperty p) => p.Value.ValueKind == JsonValueKind.Number
        ? p.Value.GetDouble()
        : throw new InputException(file, null, $"'{p.Name}' must be a number, found {p.Value.GetRawText()}");

    private static IReadOnlyDictionary<string, string> Params(string file, JsonProperty p)
    {
        if (p.Value.ValueKind != JsonValueKind.Object)
            throw new InputException(file, null, $"'params' must be an object of strings, found {p.Value.ValueKind}");
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in p.Value.EnumerateObject())
            d[kv.Name] = kv.Value.ValueKind switch
            {
                JsonValueKind.String => kv.Value.GetString()!,
                JsonValueKind.Number => kv.Value.GetRawText(),
                JsonValueKind.True or JsonValueKind.False => kv.Value.GetRawText(),
                _ => throw new InputException(file, null, $"params.{kv.Name} must be a string or number, found {kv.Value.ValueKind}"),
            };
        return d;
    }
}
