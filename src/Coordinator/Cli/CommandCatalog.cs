using System.CommandLine;

namespace ExPecto.Coordinator.Cli;

/// <summary>Every `expecto` subcommand, in the order `expecto --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return RunCommand.Create();
        yield return ServeCommand.Create();
        yield return SubmitCommand.Create();
        yield return StatusCommand.Create();
        yield return VersionCommand.Create();
    }
}
