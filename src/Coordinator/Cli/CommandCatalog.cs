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
        yield return RunCommand.Create();
        yield return ServeCommand.Create();
        yield return SubmitCommand.Create();
        yield return StatusCommand.Create();
        yield return VersionCommand.Create();
        yield return AdminCommand.Create();
        yield return FeaturesCommand.Create();
        yield return TrainCommand.Create();
        yield return EvaluateCommand.Create();
        yield return ConstraintsCommand.Create();
        yield return RiskCommand.Create();
        yield return GwasPrioritizeCommand.Create();
        yield return ReportCommand.Create();
    }
}
