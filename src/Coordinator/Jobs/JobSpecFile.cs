using System.Text.Json;
using ExPecto.Core;

namespace ExPecto.Coordinator.Jobs;

/// <summary>
/// A job spec file: the same fields as the `run`/`submit` flags, as one JSON object, for `expecto submit --spec`,
/// `expecto admin … job submit FILE` and schedules. Example:
/// <code>
/// { "resources": "/data/expecto", "genes": "chrom:chr20", "out": "/out/chr20",
///   "radius": 1000, "threshold": 0.3, "engine": "incremental", "batchSize": 64, "precision": "fp32", "params": { } }
/// </code>
/// Keys: genome, annotation, geneTypes ("protein_coding,lncRNA"), beluga (or weights), models, resources, genes,
/// out, radius, threshold, engine, batchSize, precision (fp32 | tf32 | bf16), params. Unknown keys are errors (a typo must not silently fall back to a default). Relative paths
/// resolve against the directory the reader names: the spec file's folder for a local file; the coordinator's
/// working directory for a spec sent through the admin console.
/// </summary>
public static class JobSpecFile
{
    private static readonly string[] Keys =
        ["genome", "annotation", "geneTypes", "beluga", "weights", "models", "resources", "genes", "out", "radius", "threshold", "engine", "batchSize", "precision", "params"];

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
            // The message repeats the position the InputException already gives; keep only the what.
            string what = text.Trim().Length == 0 ? "the file is empty" : e.Message.Split(" LineNumber:")[0].Split(" Path:")[0];
            throw new InputException(fileName, (e.LineNumber ?? 0) + 1, $"expected a JSON object, column {(e.BytePositionInLine ?? 0) + 1}: {what}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InputException(fileName, 1, $"expected a JSON object, found {doc.RootElement.ValueKind}");
            // JsonDocument keeps no positions and lets a repeated key win silently; one pass of the reader gives both.
            var lines = KeyLines(text);
            foreach (var group in lines.GroupBy(k => k.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
                throw new InputException(fileName, group.ElementAt(1).Line, $"key '{group.Key}' appears more than once (first on line {group.First().Line})");
            var request = new JobRequest();
            int index = 0;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                int? line = index < lines.Count ? lines[index].Line : null;
                index++;
                if (!Keys.Contains(p.Name, StringComparer.Ordinal))
                    throw new InputException(fileName, line, $"unknown key '{p.Name}' (expected one of {string.Join(", ", Keys)})");
                request = p.Name switch
                {
                    "genome" => request with { Genome = Str(fileName, line, p) },
                    "annotation" => request with { Annotation = Str(fileName, line, p) },
                    "geneTypes" => request with { GeneTypes = Str(fileName, line, p) },
                    "beluga" or "weights" => request with { Beluga = Str(fileName, line, p) },
                    "models" => request with { Models = Str(fileName, line, p) },
                    "resources" => request with { Resources = Str(fileName, line, p) },
                    "genes" => request with { Genes = Str(fileName, line, p) },
                    "out" => request with { Out = Str(fileName, line, p) },
                    "radius" => request with { Radius = Int(fileName, line, p) },
                    "threshold" => request with { Threshold = Num(fileName, line, p) },
                    "engine" => request with { Engine = Str(fileName, line, p) },
                    "batchSize" => request with { BatchSize = Int(fileName, line, p) },
                    "precision" => request with { Precision = Precision(fileName, line, p) },
                    "params" => request with { Parameters = Params(fileName, line, p) },
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
        Put("genome", r.Genome); Put("annotation", r.Annotation); Put("geneTypes", r.GeneTypes); Put("beluga", r.Beluga); Put("models", r.Models);
        Put("resources", r.Resources); Put("genes", r.Genes); Put("out", r.Out); Put("radius", r.Radius);
        Put("threshold", r.Threshold); Put("engine", r.Engine); Put("batchSize", r.BatchSize);
        if (r.Precision != ExPecto.Core.Chromatin.ComputePrecision.Fp32) Put("precision", ExPecto.Core.Chromatin.ComputePrecisions.Name(r.Precision));
        if (r.Parameters.Count > 0) o["params"] = r.Parameters;
        return JsonSerializer.Serialize(o, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The top-level keys in order, each with its 1-based line (the text already parsed as JSON).</summary>
    private static List<(string Name, int Line)> KeyLines(string text)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var keys = new List<(string, int)>();
        int line = 1;
        long counted = 0;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
            for (; counted < reader.TokenStartIndex; counted++)
                if (bytes[counted] == (byte)'\n') line++;
            keys.Add((reader.GetString()!, line));
        }
        return keys;
    }

    private static string Str(string file, int? line, JsonProperty p) => p.Value.ValueKind == JsonValueKind.String
        ? p.Value.GetString()!
        : throw new InputException(file, line, $"'{p.Name}' must be a string, found {p.Value.ValueKind}");

    private static ExPecto.Core.Chromatin.ComputePrecision Precision(string file, int? line, JsonProperty p)
    {
        string value = Str(file, line, p);
        try
        {
            return ExPecto.Core.Chromatin.ComputePrecisions.Parse(value, "'precision'");
        }
        catch (InputException e)
        {
            throw new InputException(file, line, e.Message);
        }
    }

    private static int Int(string file, int? line, JsonProperty p) => p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out int v)
        ? v
        : throw new InputException(file, line, $"'{p.Name}' must be an integer, found {p.Value.GetRawText()}");

    private static double Num(string file, int? line, JsonProperty p) => p.Value.ValueKind == JsonValueKind.Number
        ? p.Value.GetDouble()
        : throw new InputException(file, line, $"'{p.Name}' must be a number, found {p.Value.GetRawText()}");

    private static IReadOnlyDictionary<string, string> Params(string file, int? line, JsonProperty p)
    {
        if (p.Value.ValueKind != JsonValueKind.Object)
            throw new InputException(file, line, $"'params' must be an object of strings, found {p.Value.ValueKind}");
        var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in p.Value.EnumerateObject())
            d[kv.Name] = kv.Value.ValueKind switch
            {
                JsonValueKind.String => kv.Value.GetString()!,
                JsonValueKind.Number => kv.Value.GetRawText(),
                JsonValueKind.True or JsonValueKind.False => kv.Value.GetRawText(),
                _ => throw new InputException(file, line, $"params.{kv.Name} must be a string or number, found {kv.Value.ValueKind}"),
            };
        return d;
    }
}
