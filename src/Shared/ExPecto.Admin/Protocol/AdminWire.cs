using System.Text.Json;
using System.Text.Json.Serialization;

namespace ExPecto.Admin.Protocol;

/// <summary>
/// The HTTP shape of the console. <c>POST /admin/v1/exec</c> takes an <see cref="AdminRequest"/> and answers
/// <c>application/x-ndjson</c>: one <see cref="AdminResult"/> per line (one line for ordinary commands, a line per
/// event for streaming ones such as <c>cluster tail</c>). Failures before the first line are an HTTP error status
/// with an <see cref="AdminError"/> body; a failure mid-stream is a final line carrying <c>error</c>.
/// <c>GET /admin/v1/commands</c> lists the palettes this node serves. The token travels as <c>Authorization: Bearer</c>.
/// </summary>
public static class AdminWire
{
    public const string ExecPath = "/admin/v1/exec";
    public const string CommandsPath = "/admin/v1/commands";
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";
    /// <summary>Prometheus text exposition of the process's metrics (read-only: no token on loopback).</summary>
    public const string MetricsPath = "/metrics";
    public const string NdJson = "application/x-ndjson";

    /// <summary>camelCase, enums as strings, nulls omitted: what both ends and <c>--json</c> output use.</summary>
    public static JsonSerializerOptions Json { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        return options;
    }
}

/// <summary>
/// One command. <paramref name="Files"/> carries the contents of file arguments (e.g. a job spec), read by the
/// client, keyed by the argument as typed; the node never reads client paths.
/// </summary>
public sealed record AdminRequest(
    string Palette,
    string Command,
    IReadOnlyList<string> Args,
    IReadOnlyDictionary<string, string>? Files = null);

/// <summary>An error body: one line for the operator.</summary>
public sealed record AdminError(string Error, AdminErrorKind Kind = AdminErrorKind.BadRequest);

/// <summary>A palette and its commands, as <c>GET /admin/v1/commands</c> lists them.</summary>
public sealed record AdminPaletteInfo(string Name, string Description, IReadOnlyList<AdminCommandInfo> Commands);

/// <summary>
/// A command's description. <paramref name="FileArgs"/> are the 0-based positions of arguments that name client-side
/// files whose contents the client must send in <see cref="AdminRequest.Files"/>.
/// </summary>
public sealed record AdminCommandInfo(
    string Name,
    string Usage,
    string Description,
    bool Mutating,
    bool Streaming = false,
    IReadOnlyList<int>? FileArgs = null);
