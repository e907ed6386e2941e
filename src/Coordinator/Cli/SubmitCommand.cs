using System.CommandLine;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto submit --seed host:port …`: submits a job to a running cluster (idempotent: same inputs, same job id).</summary>
internal static class SubmitCommand
{
    public static Command Create()
    {
        var job = new JobArguments();
        var seed = new Option<string>("--seed") { Description = "Cluster contact points host:port[,host:port]", Required = true };
        var wait = new Option<bool>("--wait") { Description = "Wait until the job finishes, showing its progress on stderr (exit 3 when partial)" };
        var progressInterval = JobProgress.IntervalOption();
        var testHooks = ServeCommand.TestHooksOption();
        var command = new Command("submit", "Submit a job to a running cluster");
        job.AddTo(command);
        command.Options.Add(testHooks);
        command.Options.Add(seed);
        command.Options.Add(wait);
        command.Options.Add(progressInterval);
        command.SetAction(async (parse, ct) =>
        {
            // The job is checked against this build's engines (the test engines only under the switch).
            var config = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddExPectoSources().Build();
            var engines = ScienceWiring.Engines(ServeCommand.ResolveTestHooks(parse, testHooks, config, "expecto submit"));
            var (spec, genes) = job.Read(parse, engines);
            var digests = JobIdentity.DigestInputs(spec);
            string jobId = JobIdentity.Compute(digests, spec, genes);
            return await ClusterClient.WithJobManagerAsync(parse.GetValue(seed)!, async jm =>
            {
                var response = await EmbeddedRunner.AskWithRetry<SubmitJobResponse>(jm, new SubmitJob(jobId, spec, digests, genes), ct);
                Console.WriteLine($"{response.JobId}\t{(response.AlreadyKnown ? "known" : "submitted")}");
                if (!parse.GetValue(wait)) return 0;
                var view = await StatusCommand.WaitAsync(jm, jobId, JobProgress.ForConsole(parse.GetValue(progressInterval)), ct);
                JobArguments.Print(view, Console.Out);
                return view.Phase == JobPhase.Complete ? 0 : RunCommand.ExitPartial;
            }, ct);
        });
        return command;
    }
}
