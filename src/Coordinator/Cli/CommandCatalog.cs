using System.CommandLine;

namespace ExPecto.Coordinator.Cli;

/// <summary>Every `expecto` subcommand, in the order `expecto --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return PredictVariantsCommand.Create();
        yield return PredictExpressionCommand.Create();
        yield return MutagenesisCommand.Create();
        yield return VersionCommand.Create();
        yield return AdminCommand.Create();
    }
}
