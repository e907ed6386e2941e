using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ExPecto.Admin.Logging;

/// <summary>How a node writes its log lines: <see cref="Text"/> for people (default) or <see cref="Json"/> for log shippers.</summary>
public enum LogFormat
{
    Text,
    Json,
}

/// <summary>
/// The process's log format and role, and the one place that renders a line in it. Every role sets them once at
/// start (<c>--log-format json</c>, <c>EXPECTO_LOGGING__FORMAT=json</c>); the Akka loggers and the few lines a node
/// prints itself (the admin endpoint, start-up warnings) go through <see cref="Write"/>. A JSON line is one object:
/// <c>timestamp</c> (UTC, ISO 8601), <c>level</c>, <c>role</c>, <c>job</c>, <c>gene</c> (null when the event is not
/// about one), <c>message</c>, and <c>source</c>/<c>error</c> when known.
/// </summary>
public static partial class NodeLog
{
    public const string Section = "Logging";
    public const string FormatKey = "Logging:Format";
    public const string FormatSwitch = "--log-format";
    public const string FormatEnvironmentVariable = "EXPECTO_LOGGING__FORMAT";

    private static readonly Lock s_gate = new();

    public static LogFormat Format { get; set; } = LogFormat.Text;

    /// <summary>The roles this process runs, comma-separated (e.g. "coordinator,worker" when embedded).</summary>
    public static string? Role { get; set; }

    /// <summary>Where <see cref="Write"/> goes (stderr; stdout stays for command output).</summary>
    public static TextWriter Output { get; set; } = Console.Error;

    /// <summary>"text" or "json", case-insensitive; anything else is refused with the expected values.</summary>
    public static bool TryParse(string? value, out LogFormat format)
    {
        format = LogFormat.Text;
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or "text":
                return true;
            case "json":
                format = LogFormat.Json;
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// A line the node prints itself. In text format exactly <paramref name="message"/> (tests and operators
    /// match these lines); in JSON one object.
    /// </summary>
    public static void Write(string level, string message, string? job = null, string? gene = null)
    {
        string line = Format == LogFormat.Json ? Json(DateTime.UtcNow, level, message, job, gene, null, null) : message;
        lock (s_gate) Output.WriteLine(line);
    }

    /// <summary>Writes a line already rendered for the current format.</summary>
    public static void WriteLine(string line)
    {
        lock (s_gate) Output.WriteLine(line);
    }

    /// <summary>One JSON log line (no newline). Job and gene default to what <paramref name="message"/> names.</summary>
    public static string Json(DateTime timestampUtc, string level, string message, string? job, string? gene, string? source, string? error)
    {
        job ??= JobOf(message);
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("timestamp", timestampUtc.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            w.WriteString("level", level.ToLowerInvariant());
            w.WriteString("role", Role);
            w.WriteString("job", job);
            w.WriteString("gene", gene);
            w.WriteString("message", message);
            if (source is not null) w.WriteString("source", source);
            if (error is not null) w.WriteString("error", error);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The job id a message names (job ids are "j" and 16 hex digits), or null.</summary>
    public static string? JobOf(string message) => JobId().Match(message) is { Success: true } m ? m.Value : null;

    [GeneratedRegex(@"\bj[0-9a-f]{16}\b")]
    private static partial Regex JobId();
}
