using System.Runtime.CompilerServices;
using Akka.Actor;
using ExPecto.Admin.Protocol;

namespace ExPecto.Admin.Palettes;

/// <summary>A command's handler: ordinary commands yield one result, streaming ones yield until cancelled.</summary>
public delegate IAsyncEnumerable<AdminResult> AdminHandler(AdminInvocation invocation, CancellationToken cancellationToken);

/// <summary>A command: its description and its handler.</summary>
public sealed record AdminCommand(AdminCommandInfo Info, AdminHandler Handler)
{
    /// <summary>A command that answers once.</summary>
    public static AdminCommand Once(AdminCommandInfo info, Func<AdminInvocation, CancellationToken, Task<AdminResult>> run) =>
        new(info, (invocation, ct) => Single(run, invocation, ct));

    private static async IAsyncEnumerable<AdminResult> Single(
        Func<AdminInvocation, CancellationToken, Task<AdminResult>> run, AdminInvocation invocation, [EnumeratorCancellation] CancellationToken ct)
    {
        yield return await run(invocation, ct);
    }
}

/// <summary>
/// A group of commands under one name, as in <c>pbm</c> (<c>cluster</c>, <c>cluster-sharding</c>, …). Register extra
/// palettes as <c>IAdminPalette</c> singletons; names must be unique per node.
/// </summary>
public interface IAdminPalette
{
    string Name { get; }

    string Description { get; }

    IReadOnlyList<AdminCommand> Commands { get; }
}

/// <summary>What a handler gets: the node's ActorSystem, the arguments as typed, and file contents sent by the client.</summary>
public sealed class AdminInvocation(
    ActorSystem system,
    AdminCommandInfo command,
    IReadOnlyList<string> args,
    IReadOnlyDictionary<string, string> files,
    TimeSpan askTimeout)
{
    public ActorSystem System { get; } = system;

    public AdminCommandInfo Command { get; } = command;

    public IReadOnlyList<string> Args { get; } = args;

    public IReadOnlyDictionary<string, string> Files { get; } = files;

    public TimeSpan AskTimeout { get; } = askTimeout;

    /// <summary>The <paramref name="index"/>-th positional argument (options and their values skipped), or a usage error.</summary>
    public string Positional(int index, string name)
    {
        var positional = PositionalArgs();
        if (index < positional.Count)
            return positional[index];
        throw AdminException.BadRequest($"missing <{name}>; usage: {Command.Usage}");
    }

    /// <summary>The value after <paramref name="shortName"/> or <paramref name="longName"/> (also <c>--long=value</c>), or null.</summary>
    public string? Option(string shortName, string longName)
    {
        for (var i = 0; i < Args.Count; i++)
        {
            if (Args[i] == shortName || Args[i] == longName)
            {
                if (i + 1 >= Args.Count)
                    throw AdminException.BadRequest($"{Args[i]} needs a value; usage: {Command.Usage}");
                return Args[i + 1];
            }
            if (Args[i].StartsWith(longName + "=", StringComparison.Ordinal))
                return Args[i][(longName.Length + 1)..];
        }
        return null;
    }

    public string RequiredOption(string shortName, string longName, string name) =>
        Option(shortName, longName) ?? throw AdminException.BadRequest($"missing {shortName} <{name}>; usage: {Command.Usage}");

    /// <summary>The contents of a file argument, as sent by the client.</summary>
    public string FileContents(int index, string name)
    {
        var path = Positional(index, name);
        return Files.TryGetValue(path, out var text)
            ? text
            : throw AdminException.BadRequest($"the client did not send the contents of <{name}> '{path}'");
    }

    /// <summary>Arguments that are neither an option (starting with '-') nor an option's value.</summary>
    public IReadOnlyList<string> PositionalArgs()
    {
        var result = new List<string>();
        for (var i = 0; i < Args.Count; i++)
        {
            if (Args[i].StartsWith('-') && Args[i].Length > 1 && !double.TryParse(Args[i], out _))
            {
                if (!Args[i].Contains('=') && i + 1 < Args.Count)
                    i++;
                continue;
            }
            result.Add(Args[i]);
        }
        return result;
    }
}
