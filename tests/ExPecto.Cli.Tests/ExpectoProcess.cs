using System.Diagnostics;
using System.Reflection;
using ExPecto.Testing;

namespace ExPecto.Cli.Tests;

/// <summary>What one run of `expecto` did.</summary>
public sealed record ExpectoRun(int ExitCode, string StdOut, string StdErr)
{
    public string[] ErrLines => StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    public override string ToString() => $"exit {ExitCode}\n--- stderr ---\n{StdErr}\n--- stdout ---\n{StdOut}";
}

/// <summary>
/// Runs the built `expecto` (src/Coordinator, same build configuration as these tests) as `dotnet expecto.dll …`.
/// </summary>
internal static class ExpectoProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static string DllPath { get; } = FindDll();

    private static string FindDll()
    {
        string configuration = typeof(ExpectoProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        string bin = Path.Combine(TestPaths.RepoRoot, "src", "Coordinator", "bin", configuration);
        string? dll = Directory.Exists(bin)
            ? Directory.EnumerateFiles(bin, "expecto.dll", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        return dll ?? throw new InvalidOperationException($"expecto.dll not found under {bin}; build src/Coordinator ({configuration}) first");
    }

    public static ExpectoRun Run(string workingDirectory, params string[] args) => Run(Timeout, workingDirectory, args);

    /// <summary>As <see cref="Run(string, string[])"/> with a longer limit, for a whole demo run on a busy machine.</summary>
    public static ExpectoRun Run(TimeSpan timeout, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(DllPath);
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"expecto {string.Join(' ', args)} did not finish within {timeout}");
        }
        return new ExpectoRun(process.ExitCode, stdout.Result, stderr.Result);
    }
}
