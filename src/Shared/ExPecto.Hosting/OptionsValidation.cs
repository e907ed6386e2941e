using System.Text.RegularExpressions;
using ExPecto.Core;
using Microsoft.Extensions.Configuration;

namespace ExPecto.Hosting;

/// <summary>An options section that checks its own values once bound (<see cref="ExPectoHostingExtensions.Bind{T}"/>).</summary>
public interface IValidatedOptions
{
    /// <summary>Throws <see cref="InputException"/> (via <see cref="OptionsValidation.Bad"/>) for the first bad value.</summary>
    void Validate(string section);
}

/// <summary>
/// Start-up checks of node configuration: a bad value stops the process with one line naming the option, its
/// environment variable and what was expected, before anything binds a port or opens a database.
/// </summary>
public static partial class OptionsValidation
{
    /// <summary>The environment variable of a configuration key: Coordinator:LeaseDuration → EXPECTO_COORDINATOR__LEASEDURATION.</summary>
    public static string EnvironmentName(string key) => "EXPECTO_" + key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant();

    public static InputException Bad(string key, string expected, object? found) =>
        new($"configuration {key} ({EnvironmentName(key)}): expected {expected}, found '{found}'");

    /// <summary>Binds a section; a value the binder cannot convert becomes one line instead of a stack trace.</summary>
    public static T BindChecked<T>(IConfiguration configuration, string section) where T : new()
    {
        var options = new T();
        try
        {
            configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value 'abc' at 'Coordinator:LeaseDuration' to type 'System.TimeSpan'."
            var m = BinderMessage().Match(e.Message);
            if (!m.Success) throw new InputException($"configuration section {section}: {e.Message}");
            throw Bad(m.Groups["key"].Value, Expected(m.Groups["type"].Value), m.Groups["value"].Value);
        }
        (options as IValidatedOptions)?.Validate(section);
        return options;
    }

    private static string Expected(string type) => type switch
    {
        "System.TimeSpan" => "a duration such as 00:05:00 (hh:mm:ss) or 1.00:00:00 (days)",
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Boolean" => "true or false",
        "System.Double" => "a number",
        _ when Type.GetType(type) is { IsEnum: true } t => "one of " + string.Join(", ", Enum.GetNames(t)),
        _ => "a value of type " + type,
    };

    [GeneratedRegex(@"value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex BinderMessage();

    public static void AtLeast(string key, int value, int min)
    {
        if (value < min) throw Bad(key, $"a whole number ≥ {min}", value);
    }

    public static void Positive(string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) throw Bad(key, "a duration above zero, such as 00:00:05", value);
    }

    public static void NotNegative(string key, TimeSpan value)
    {
        if (value < TimeSpan.Zero) throw Bad(key, "a duration of zero or more", value);
    }

    public static void Port(string key, int value, bool zeroAllowed)
    {
        if (value < (zeroAllowed ? 0 : 1) || value > 65535)
            throw Bad(key, zeroAllowed ? "a port from 0 (any free port) to 65535" : "a port from 1 to 65535", value);
    }

    public static void OneOf(string key, string value, params string[] allowed)
    {
        if (!allowed.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase))
            throw Bad(key, "one of " + string.Join(", ", allowed), value);
    }

    public static void ExistingFile(string key, string? path, string what)
    {
        if (string.IsNullOrWhiteSpace(path)) throw Bad(key, what, "");
        if (!File.Exists(path)) throw Bad(key, what + " that exists", path);
    }

    /// <summary>host:port, or a full Akka address (akka.tcp://system@host:port).</summary>
    public static void HostPortList(string key, string value)
    {
        foreach (string item in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string hostPort = item.Contains("://", StringComparison.Ordinal) ? item[(item.IndexOf('@') + 1)..] : item;
            int colon = hostPort.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(hostPort[(colon + 1)..], System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out int port) || port < 1 || port > 65535)
                throw Bad(key, "host:port[,host:port] with ports from 1 to 65535", item);
        }
    }
}

/// <summary>The entry of a role process (expecto-seed, expecto-worker): bad configuration is one line and exit code 2.</summary>
public static class NodeMain
{
    public const int ExitBadInput = 2;

    public static async Task<int> RunAsync(string name, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (InputException e)
        {
            Console.Error.WriteLine($"{name}: error: {e.Message}");
            return ExitBadInput;
        }
    }

    /// <summary>Checks settings read by other components before the host starts (the admin endpoint's form).</summary>
    public static void CheckCommon(IConfiguration configuration)
    {
        if (configuration["Admin:Endpoint"] is { } admin) CheckAdminEndpoint(admin);
        ConfigureLogging(configuration);
    }

    /// <summary>Sets the process's log format from Logging:Format (<c>--log-format</c>, EXPECTO_LOGGING__FORMAT): text (default) or json.</summary>
    public static void ConfigureLogging(IConfiguration configuration)
    {
        string? value = configuration[ExPecto.Admin.Logging.NodeLog.FormatKey];
        if (!ExPecto.Admin.Logging.NodeLog.TryParse(value, out var format))
            throw OptionsValidation.Bad(ExPecto.Admin.Logging.NodeLog.FormatKey, "text or json", value ?? "");
        ExPecto.Admin.Logging.NodeLog.Format = format;
    }

    public static void CheckAdminEndpoint(string admin)
    {
        int colon = admin.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(admin[(colon + 1)..], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out int port) || port > 65535)
            throw OptionsValidation.Bad("Admin:Endpoint", "host:port such as 127.0.0.1:9110 (port 0 = any free port)", admin);
    }
}
