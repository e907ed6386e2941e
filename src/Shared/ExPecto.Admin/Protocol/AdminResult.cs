using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ExPecto.Admin.Protocol;

/// <summary>
/// One answer (or one streamed event): a message, a table for people (<see cref="Columns"/> + <see cref="Rows"/>,
/// cells already formatted) and <see cref="Data"/>, the same content typed, for <c>--json</c>.
/// <see cref="Error"/> is set only on a stream's last line when the stream failed.
/// </summary>
public sealed record AdminResult(
    string? Message = null,
    IReadOnlyList<string>? Columns = null,
    IReadOnlyList<IReadOnlyList<string>>? Rows = null,
    JsonNode? Data = null,
    string? Error = null)
{
    public static AdminResult Text(string message, object? data = null) =>
        new(message, Data: data is null ? new JsonObject { ["message"] = message } : ToNode(data));

    /// <summary>A table with one row per item; columns are <typeparamref name="T"/>'s public properties in declaration order.</summary>
    public static AdminResult Table<T>(IEnumerable<T> items, string? message = null)
    {
        var list = items.ToList();
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var rows = list.Select(item => (IReadOnlyList<string>)properties.Select(p => FormatCell(p.GetValue(item))).ToList()).ToList();
        return new AdminResult(message, properties.Select(p => p.Name).ToList(), rows, ToNode(list));
    }

    /// <summary>One record shown as a two-column Field/Value table.</summary>
    public static AdminResult Record<T>(T item, string? message = null) where T : notnull
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var rows = properties.Select(p => (IReadOnlyList<string>)[p.Name, FormatCell(p.GetValue(item))]).ToList();
        return new AdminResult(message, ["Field", "Value"], rows, ToNode(item));
    }

    public static JsonNode? ToNode(object value) => JsonSerializer.SerializeToNode(value, value.GetType(), AdminWire.Json);

    /// <summary>How a value reads in a table cell: ISO-8601 UTC times, invariant numbers, lists joined by commas, "-" for none.</summary>
    public static string FormatCell(object? value) => value switch
    {
        null => "-",
        string s => s.Length == 0 ? "-" : s,
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateTime t => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        float f => f.ToString("0.###", CultureInfo.InvariantCulture),
        bool b => b ? "yes" : "no",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => Join(e),
        _ => value.ToString() ?? "-",
    };

    private static string Join(IEnumerable items)
    {
        var parts = items.Cast<object?>().Select(FormatCell).ToList();
        return parts.Count == 0 ? "-" : string.Join(",", parts);
    }
}
