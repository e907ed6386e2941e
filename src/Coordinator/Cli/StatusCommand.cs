using System.CommandLine;
using Akka.Actor;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto status --seed host:port [--job ID] [--wait]`: progress of the jobs of a running cluster.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var seed = new Option<string>("--seed") { Description = "Cluster contact points host:port[,host:port]", Required = true };
        var jobId = new Option<string?>("--job") { Description = "Only this job" };
        var wait = new Option<bool>("--wait") { Description = "With --job: wait until it finishes, showing its progress on stderr (exit 3 when partial)" };
        var progressInterval = JobProgress.IntervalOption();
        var command = new Command("status", "Show job progress on a running cluster");
        command.Options.Add(seed);
        command.Options.Add(jobId);
        command.Options.Add(wait);
        command.Options.Add(progressInterval);
        command.SetAction(async (parse, ct) =>
        {
            string? id = parse.GetValue(jobId);
            return await ClusterClient.WithJobManagerAsync(parse.GetValue(seed)!, async jm =>
            {
                if (id is not null && parse.GetValue(wait))
                {
                    var done = await WaitAsync(jm, id, JobProgress.ForConsole(parse.GetValue(progressInterval)), ct);
                    JobArguments.Print(done, Console.Out);
                    return done.Phase == JobPhase.Complete ? 0 : RunCommand.ExitPartial;
                }
                var response = await EmbeddedRunner.AskWithRetry<JobStatusResponse>(jm, new GetJobStatus(id), ct);
                foreach (var v in response.Jobs) JobArguments.Print(v, Console.Out);
                if (id is not null && response.Jobs.Count == 0)
                {
                    Console.Error.WriteLine($"expecto: error: no job {id}");
                    return CliRunner.ExitBadInput;
                }
                return 0;
            }, ct);
        });
        return command;
    }

    /// <summary>Polls the job until it finished, reporting each observation to <paramref name="progress"/>.</summary>
    public static async Task<JobStatusView> WaitAsync(IActorRef jm, string jobId, JobProgress progress, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var response = await EmbeddedRunner.AskWithRetry<JobStatusResponse>(jm, new GetJobStatus(jobId), ct);
                var view = response.Jobs.SingleOrDefault();
                if (view is not null && view.Phase.IsFinished())
                {
                    progress.Done(view);
                    return view;
                }
                if (view is not null) progress.Report(view);
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            }
        }
        finally
        {
            progress.Interrupt();
        }
    }
}
