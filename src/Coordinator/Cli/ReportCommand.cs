using System.CommandLine;
using ExPecto.Analysis.Reporting;
using ExPecto.Core;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto report`: an HTML page with summary tables and figures for a run folder.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var runArg = new Argument<DirectoryInfo?>("RUNDIR") { Description = "Run folder (genes.parquet, effects/, evaluation/, training/, constraints/, risk.tsv)", Arity = ArgumentArity.ZeroOrOne };
        var run = new Option<DirectoryInfo?>("--run") { Description = "The run folder, as an option (same as RUNDIR)" };
        var tissue = new Option<string?>("--tissue") { Description = "Tissue for the figures (default: the first non-cancer one)" };
        var gene = new Option<string?>("--gene") { Description = "Gene for the saturation-mutagenesis map (default: the first effects file)" };
        var command = new Command("report", "Write <run>/report/index.html with tables and figures");
        command.Arguments.Add(runArg);
        command.Options.Add(run);
        command.Options.Add(tissue);
        command.Options.Add(gene);
        command.SetAction(async (parse, ct) =>
        {
            var dir = parse.GetValue(runArg) ?? parse.GetValue(run) ?? throw new InputException("expected a run folder: expecto report RUNDIR");
            string page = await ReportWriter.WriteAsync(dir.FullName,
                new ReportOptions { Tissue = parse.GetValue(tissue), Gene = parse.GetValue(gene) }, ct);
            Console.WriteLine(page);
            return 0;
        });
        return command;
    }
}
