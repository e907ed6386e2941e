using ExPecto.Admin.Client;

namespace ExPecto.Admin.Tests.Support;

/// <summary>Runs `expecto admin …` in-process and captures what a terminal would show.</summary>
public static class Cli
{
    public sealed record Run(int ExitCode, string Out, string Err)
    {
        public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static async Task<Run> AdminAsync(params string[] tokens) => await AdminWithInputAsync("", tokens);

    public static async Task<Run> AdminWithInputAsync(string input, params string[] tokens)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await AdminCli.RunAsync(tokens, new StringReader(input), stdout, stderr, TestContext.Current.CancellationToken);
        return new Run(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A token file in a fresh temp folder.</summary>
    public static string TokenFile(string token)
    {
        var dir = Directory.CreateTempSubdirectory("expecto-admin-test");
        var path = Path.Combine(dir.FullName, "token");
        File.WriteAllText(path, token + "\n");
        return path;
    }
}
