using System.CommandLine;
using ExPecto.Core;

namespace ExPecto.Coordinator.Cli;

/// <summary>Runs the parsed command; bad input becomes one line on stderr and exit code 2, never a stack trace.</summary>
internal static class CliRunner
{
    public const int ExitBadInput = 2;
    public const int ExitFailure = 1;

    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        try
        {
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                // One line, like every other bad input; `--help` shows the usage.
                string command = parse.CommandResult.Command == root ? "expecto" : "expecto " + parse.CommandResult.Command.Name;
                Console.Error.WriteLine($"expecto: error: {string.Join(" ", parse.Errors.Select(e => e.Message))} (see `{command} --help`)");
                return ExitBadInput;
            }
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (InputException e)
        {
            Console.Error.WriteLine($"expecto: error: {e.Message}");
            return ExitBadInput;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            Console.Error.WriteLine($"expecto: error: {e.Message}");
            return ExitBadInput;
        }
        catch (ClusterUnreachableException e)
        {
            Console.Error.WriteLine($"expecto: error: {e.Message}");
            return ExitFailure;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("expecto: cancelled");
            return 130;
        }
    }
}
