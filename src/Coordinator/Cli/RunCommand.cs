using System.CommandLine;
using ExPecto.Hosting;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto run`: the whole cluster in this process (embedded mode), resumable, idempotent on a finished folder.</summary>
internal static class RunCommand
{
    public const int ExitPartial = 3;

    public static Command Create()
    {
        var job = new JobArguments();
        var state = new Option<FileInfo?>("--state") { Description = "Checkpoint database (SQLite); default DIR/_state/checkpoints.db" };
        var devices = new Option<string>("--devices") { Description = "Inference loops: cpu, or cuda:0,cuda:1", DefaultValueFactory = _ => "cpu" };
        var command = new Command("run", "Run a saturation mutagenesis job with every role in this process; resumes after a crash");
        job.AddTo(command);
        command.Options.Add(state);
        command.Options.Add(devices);
        command.SetAction(async (parse, ct) =>
        {
            var (spec, genes) = job.Read(parse);
            var runner = new EmbeddedRunner(ScienceWiring.Engines(), ScienceWiring.Finalizer())
            {
                Worker = new WorkerOptions { Devices = parse.GetValue(devices)! },
                Progress = v => Console.Error.Write($"\r{v.JobId}: {v.Committed + v.Failed}/{v.Genes} genes settled ({v.Failed} failed)   "),
            };
            var result = await runner.RunAsync(spec, genes, parse.GetValue(state)?.FullName, ct);
            if (result.AlreadyComplete)
            {
                Console.WriteLine($"{result.JobId}\tcomplete\talready finished in {spec.OutputDir}; nothing to do");
                return 0;
            }
            Console.Error.WriteLine();
            JobArguments.Print(result.Status!, Console.Out);
            return result.Complete ? 0 : ExitPartial;
        });
        return command;
    }
}
