using System.CommandLine;
using ExPecto.Admin.Client;

namespace ExPecto.Coordinator.Cli;

/// <summary>
/// `expecto admin &lt;host:port&gt; [palette command args] [--json] [--token-file F]`: the client of the admin console
/// every node serves (see docs/operations.md). Palette arguments such as `-r gene` are passed through untouched.
/// </summary>
internal static class AdminCommand
{
    public static Command Create()
    {
        var command = new Command("admin", "Operate a running node: cluster, cluster-sharding, job, workers, schedule (interactive without a palette)")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.Arguments.Add(new Argument<string[]>("endpoint-and-command")
        {
            Arity = ArgumentArity.ZeroOrMore,
            Description = "<host:port> [<palette> [<command> [args...]]]; also --json (machine output) and --token-file <file>",
        });
        command.SetAction(async (parse, ct) =>
        {
            // Take the raw words after `admin`, in order, so palette options (-r, --wait) reach the node as typed.
            var tokens = parse.Tokens.SkipWhile(t => t.Value != "admin").Skip(1).Select(t => t.Value).ToList();
            return await AdminCli.RunAsync(tokens, Console.In, Console.Out, Console.Error, ct);
        });
        return command;
    }
}
