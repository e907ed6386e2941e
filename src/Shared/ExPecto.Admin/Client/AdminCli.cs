using System.Text;
using System.Text.Json;
using ExPecto.Admin.Hosting;
using ExPecto.Admin.Protocol;
using ExPecto.Admin.Security;

namespace ExPecto.Admin.Client;

/// <summary>
/// <c>expecto admin &lt;host:port&gt; [&lt;palette&gt; &lt;command&gt; [args]] [--json] [--token-file F]</c>: one command, or an
/// interactive prompt when no palette is given. Tables by default, <c>--json</c> for scripts; an error is one line on
/// stderr and a non-zero exit (<see cref="ExitUsage"/> for bad input, <see cref="ExitRefused"/> for a refused token,
/// <see cref="ExitFailure"/> otherwise).
/// </summary>
public static class AdminCli
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 2;
    public const int ExitRefused = 3;

    public const string Usage =
        "usage: expecto admin <host:port> [<palette> [<command> [args...]]] [--json] [--token-file <file>] [--ca <cluster CA file>]";

    /// <summary>The words of a command line, the endpoint, and the client's own options (anywhere on the line).</summary>
    public sealed record Arguments(string? Endpoint, IReadOnlyList<string> Words, bool Json, string? TokenFile, bool Help)
    {
        /// <summary>--ca: the cluster CA an HTTPS node's certificate must chain to.</summary>
        public string? CaFile { get; init; }
    }

    /// <summary>Splits the tokens after <c>admin</c>; everything that is not a client option is passed on in order.</summary>
    public static Arguments Parse(IReadOnlyList<string> tokens)
    {
        string? endpoint = null;
        string? tokenFile = null;
        string? caFile = null;
        var json = false;
        var help = false;
        var words = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t == "--json")
                json = true;
            else if (t == "--token-file")
                tokenFile = i + 1 < tokens.Count ? tokens[++i] : throw new AdminClientException(ExitUsage, "--token-file needs a file name");
            else if (t.StartsWith("--token-file=", StringComparison.Ordinal))
                tokenFile = t["--token-file=".Length..];
            else if (t == "--ca")
                caFile = i + 1 < tokens.Count ? tokens[++i] : throw new AdminClientException(ExitUsage, "--ca needs a file name");
            else if (t.StartsWith("--ca=", StringComparison.Ordinal))
                caFile = t["--ca=".Length..];
            else if ((t == "-h" || t == "--help") && endpoint is null)
                help = true;
            else if (endpoint is null)
                endpoint = t;
            else
                words.Add(t);
        }
        return new Arguments(endpoint, words, json, tokenFile, help) { CaFile = caFile };
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> tokens, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            var args = Parse(tokens);
            if (args.Help || args.Endpoint is null)
            {
                (args.Help ? output : error).WriteLine(Usage);
                return args.Help ? ExitOk : ExitUsage;
            }
            var caFile = ResolveCaFile(args.CaFile);
            using var client = new AdminClient(args.Endpoint, ReadToken(args.TokenFile), caFile is null ? null : PinnedCa.Load(caFile));
            if (args.Words.Count == 0)
                return await InteractiveAsync(client, args, input, output, error, cancellationToken);
            await ExecuteAsync(client, args.Words, args.Json, output, cancellationToken);
            return ExitOk;
        }
        catch (AdminClientException e)
        {
            error.WriteLine($"expecto admin: {e.Message}");
            return e.ExitCode;
        }
    }

    /// <summary>
    /// The cluster CA the client pins: --ca, else $EXPECTO_ADMIN_CA_FILE, else — inside a cluster member, whose
    /// environment configures remoting TLS — EXPECTO_CLUSTER__TLS__CACERTIFICATEPATH when EXPECTO_CLUSTER__TLS__ENABLED
    /// is true (so a pod's own hooks reach its HTTPS console unchanged). Null: plain HTTP unless the URL says https.
    /// </summary>
    public static string? ResolveCaFile(string? caFile)
    {
        if (!string.IsNullOrWhiteSpace(caFile))
            return caFile;
        var env = Environment.GetEnvironmentVariable(AdminOptions.CaFileEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
            return env;
        var tls = Environment.GetEnvironmentVariable("EXPECTO_CLUSTER__TLS__ENABLED");
        var ca = Environment.GetEnvironmentVariable("EXPECTO_CLUSTER__TLS__CACERTIFICATEPATH");
        return bool.TryParse(tls, out var on) && on && !string.IsNullOrWhiteSpace(ca) ? ca : null;
    }

    /// <summary>
    /// The client's token: --token-file, else $EXPECTO_ADMIN_TOKEN, else the file named by $EXPECTO_ADMIN_TOKEN_FILE.
    /// Null when none: read-only commands on loopback still work.
    /// </summary>
    public static string? ReadToken(string? tokenFile)
    {
        if (tokenFile is null)
        {
            var env = Environment.GetEnvironmentVariable(AdminOptions.TokenEnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(env))
                return env.Trim();
            tokenFile = Environment.GetEnvironmentVariable(AdminOptions.TokenFileEnvironmentVariable);
            if (string.IsNullOrWhiteSpace(tokenFile))
                return null;
        }
        try
        {
            return AdminToken.FromFileText(File.ReadAllText(tokenFile))
                ?? throw new AdminClientException(ExitUsage, $"token file {tokenFile} is empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AdminClientException(ExitUsage, $"cannot read token file {tokenFile}: {e.Message}");
        }
    }

    private static async Task ExecuteAsync(AdminClient client, IReadOnlyList<string> words, bool json, TextWriter output, CancellationToken ct)
    {
        var palette = words[0];
        var command = words.Count > 1 ? words[1] : "";
        var args = words.Skip(2).ToList();
        var request = new AdminRequest(palette, command, args, ReadFileArgs(palette, command, args));
        var streaming = KnownCommand(palette, command)?.Streaming ?? false;
        await foreach (var result in client.ExecuteAsync(request, ct))
        {
            if (json)
                output.WriteLine(result.Data?.ToJsonString(streaming ? AdminWire.Json : Indented) ?? "null");
            else
                WriteHuman(output, result);
            await output.FlushAsync(ct);
        }
    }

    private static readonly JsonSerializerOptions Indented = new(AdminWire.Json) { WriteIndented = true };

    private static void WriteHuman(TextWriter output, AdminResult result)
    {
        if (result.Columns is { Count: > 0 } columns && result.Rows is { } rows)
        {
            if (rows.Count > 0)
                TableWriter.Write(output, columns, rows);
            else if (result.Message is null)
                output.WriteLine("(none)");
        }
        if (result.Message is not null)
            output.WriteLine(result.Message);
    }

    /// <summary>Built-in commands as this client knows them (for file arguments, which the client must read).</summary>
    private static readonly IReadOnlyList<Palettes.IAdminPalette> BuiltIn = AdminServer.StandardPalettes(
        () => throw new InvalidOperationException(), () => throw new InvalidOperationException(), () => throw new InvalidOperationException(), null);

    private static AdminCommandInfo? KnownCommand(string palette, string command) =>
        BuiltIn.FirstOrDefault(p => p.Name == palette)?.Commands.Select(c => c.Info).FirstOrDefault(c => c.Name == command);

    private static Dictionary<string, string>? ReadFileArgs(string palette, string command, IReadOnlyList<string> args)
    {
        var info = KnownCommand(palette, command);
        if (info?.FileArgs is not { Count: > 0 } fileArgs)
            return null;
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var index in fileArgs.Where(i => i < args.Count))
        {
            try
            {
                files[args[index]] = File.ReadAllText(args[index]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new AdminClientException(ExitUsage, $"cannot read {args[index]}: {e.Message}");
            }
        }
        return files;
    }

    private static async Task<int> InteractiveAsync(AdminClient client, Arguments args, TextReader input, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var catalogue = await client.GetCommandsAsync(ct);
        output.WriteLine($"connected to {args.Endpoint}; palettes: {string.Join(", ", catalogue.Select(p => p.Name))}. Type 'help', Tab to complete, 'exit' to leave.");
        var prompt = $"expecto {args.Endpoint}> ";
        var terminal = ReferenceEquals(input, Console.In) && !Console.IsInputRedirected && !Console.IsOutputRedirected;
        var editor = terminal ? new LineEditor(line => AdminCompleter.Complete(line, catalogue)) : null;
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            string? line;
            if (editor is not null)
                line = editor.ReadLine(prompt);
            else
            {
                output.Write(prompt);
                line = await input.ReadLineAsync(ct);
                if (line is not null)
                    output.WriteLine();
            }
            if (line is null)
                break;
            var words = SplitWords(line);
            if (words.Count == 0)
                continue;
            if (words[0] is "exit" or "quit")
                break;
            if (words[0] == "help")
            {
                WriteHelp(output, catalogue, words.Count > 1 ? words[1] : null);
                continue;
            }
            try
            {
                await ExecuteAsync(client, words, args.Json, output, ct);
            }
            catch (AdminClientException e)
            {
                failures++;
                error.WriteLine($"expecto admin: {e.Message}");
            }
        }
        return failures == 0 ? ExitOk : ExitFailure;
    }

    private static void WriteHelp(TextWriter output, IReadOnlyList<AdminPaletteInfo> catalogue, string? palette)
    {
        var shown = palette is null ? catalogue : catalogue.Where(p => p.Name == palette).ToList();
        if (shown.Count == 0)
        {
            output.WriteLine($"no palette '{palette}'; palettes: {string.Join(", ", catalogue.Select(p => p.Name))}");
            return;
        }
        foreach (var p in shown)
        {
            output.WriteLine($"{p.Name}: {p.Description}");
            var rows = p.Commands.Select(c => (IReadOnlyList<string>)[$"  {c.Usage}", c.Mutating ? "token" : "", c.Description]).ToList();
            TableWriter.Write(output, ["  usage", "auth", "what it does"], rows);
            output.WriteLine();
        }
    }

    /// <summary>Splits a prompt line into words; double or single quotes keep spaces (for cron expressions).</summary>
    public static IReadOnlyList<string> SplitWords(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        char? quote = null;
        var inWord = false;
        foreach (var ch in line)
        {
            if (quote is not null)
            {
                if (ch == quote)
                    quote = null;
                else
                    current.Append(ch);
            }
            else if (ch is '"' or '\'')
            {
                quote = ch;
                inWord = true;
            }
            else if (char.IsWhiteSpace(ch))
            {
                if (inWord)
                    words.Add(current.ToString());
                current.Clear();
                inWord = false;
            }
            else
            {
                current.Append(ch);
                inWord = true;
            }
        }
        if (inWord)
            words.Add(current.ToString());
        return words;
    }
}
