using System.Text.Json;
using System.Text.Json.Serialization;
using ExPecto.Core.Mutagenesis;

namespace ExPecto.Core.Output;

/// <summary>
/// Reads and writes <c>_summaries/&lt;gene&gt;.json</c>: a <see cref="GeneResult"/> as camelCase JSON. Doubles are
/// written in round-trip form, so genes.parquet rebuilt from these files is bit-identical to one built in memory.
/// </summary>
public static class GeneSummaryFile
{
    private static readonly JsonSerializerOptions _json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Write(string path, GeneResult result) =>
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(result, _json));

    /// <summary>Reads a summary; throws <see cref="InputException"/> naming the file when it is not a valid summary.</summary>
    public static GeneResult Read(string path)
    {
        try
        {
            var result = JsonSerializer.Deserialize<GeneResult>(File.ReadAllBytes(path), _json);
            if (result is null || result.Gene is null || result.Files is null || result.Tissues is null || result.Checksum is null)
                throw new InputException(path, null, "expected a gene summary object, found null or missing fields");
            return result;
        }
        catch (JsonException e)
        {
            throw new InputException(path, e.LineNumber + 1, $"expected a gene summary (JSON): {e.Message}", e);
        }
    }
}
