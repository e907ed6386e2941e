using ExPecto.Admin.Contracts;
using ExPecto.Admin.Protocol;

namespace ExPecto.Admin.Palettes;

/// <summary><c>job list | status &lt;id&gt; | submit &lt;spec-file&gt; | pause | resume | cancel | retry-failed &lt;id&gt;</c> over <see cref="IJobAdmin"/>.</summary>
public sealed class JobPalette(Func<IJobAdmin> jobs) : IAdminPalette
{
    /// <summary>The handler is resolved on each call, so it may depend on actors that start after the endpoint.</summary>
    public JobPalette(IJobAdmin instance)
        : this(() => instance)
    {
    }

    public string Name => "job";

    public string Description => "Mutagenesis jobs: list, inspect, submit, pause, resume, cancel, retry failed genes";

    public IReadOnlyList<AdminCommand> Commands =>
    [
        AdminCommand.Once(new("list", "job list", "All jobs with state and gene progress", Mutating: false),
            async (_, ct) => AdminResult.Table(await jobs().ListAsync(ct))),
        AdminCommand.Once(new("status", "job status <id>", "One job in detail, with recent gene failures", Mutating: false), Status),
        AdminCommand.Once(new("submit", "job submit <spec-file>", "Submit a job from a spec file (read by the client)", Mutating: true, FileArgs: [0]),
            async (i, ct) => Submitted(await jobs().SubmitAsync(new JobSpec(Path.GetFileName(i.Positional(0, "spec-file")), i.FileContents(0, "spec-file")), ct), "submitted")),
        AdminCommand.Once(new("pause", "job pause <id>", "Stop leasing new genes; genes in flight finish", Mutating: true),
            async (i, ct) => Submitted(await jobs().PauseAsync(i.Positional(0, "id"), ct), "paused")),
        AdminCommand.Once(new("resume", "job resume <id>", "Resume leasing genes of a paused job", Mutating: true),
            async (i, ct) => Submitted(await jobs().ResumeAsync(i.Positional(0, "id"), ct), "resumed")),
        AdminCommand.Once(new("cancel", "job cancel <id>", "Cancel a job; committed genes are kept", Mutating: true),
            async (i, ct) => Submitted(await jobs().CancelAsync(i.Positional(0, "id"), ct), "cancelled")),
        AdminCommand.Once(new("retry-failed", "job retry-failed <id>", "Put the job's failed genes back in the queue", Mutating: true), RetryFailed),
    ];

    private async Task<AdminResult> Status(AdminInvocation invocation, CancellationToken ct)
    {
        var detail = await jobs().GetAsync(invocation.Positional(0, "id"), ct);
        var s = detail.Summary;
        var lines = new List<IReadOnlyList<string>>
        {
            new[] { "Id", s.Id }, new[] { "Name", s.Name }, new[] { "State", s.State.ToString() },
            new[] { "Genes", $"{s.GenesDone}/{s.GenesTotal} done, {s.GenesFailed} failed, {detail.GenesInFlight} in flight" },
            new[] { "Submitted", AdminResult.FormatCell(s.SubmittedAt) }, new[] { "Started", AdminResult.FormatCell(detail.StartedAt) },
            new[] { "Finished", AdminResult.FormatCell(detail.FinishedAt) }, new[] { "Output", AdminResult.FormatCell(detail.OutputPath) },
        };
        lines.AddRange(detail.RecentFailures.Select(f => (IReadOnlyList<string>)[$"Failed {f.Gene}", $"{f.Attempts} attempt(s): {f.Error}"]));
        return new AdminResult(null, ["Field", "Value"], lines, AdminResult.ToNode(detail));
    }

    private async Task<AdminResult> RetryFailed(AdminInvocation invocation, CancellationToken ct)
    {
        var result = await jobs().RetryFailedAsync(invocation.Positional(0, "id"), ct);
        return AdminResult.Text($"job {result.JobId}: {result.GenesRequeued} failed gene(s) requeued", result);
    }

    private static AdminResult Submitted(JobSummary job, string verb) => AdminResult.Table([job], $"job {job.Id} {verb}");
}

/// <summary><c>workers</c> (alias <c>workers list</c>) over <see cref="IWorkerAdmin"/>.</summary>
public sealed class WorkersPalette(Func<IWorkerAdmin> workers) : IAdminPalette
{
    /// <summary>The handler is resolved on each call, so it may depend on actors that start after the endpoint.</summary>
    public WorkersPalette(IWorkerAdmin instance)
        : this(() => instance)
    {
    }

    public string Name => "workers";

    public string Description => "GPU/CPU workers with their leases and throughput";

    public IReadOnlyList<AdminCommand> Commands =>
    [
        AdminCommand.Once(new("list", "workers [list]", "Workers: address, device, batch size, current gene, mutations/s, genes done, errors", Mutating: false),
            async (_, ct) =>
            {
                var list = await workers().ListAsync(ct);
                return AdminResult.Table(list, $"{list.Count} worker(s), {list.Sum(w => w.MutationsPerSecond):0.#} mutations/s in all");
            }),
    ];
}

/// <summary><c>schedule list | add &lt;name&gt; &lt;cron&gt; &lt;spec-file&gt; | remove &lt;name&gt; | run-now &lt;name&gt; [--force]</c> over <see cref="IScheduleAdmin"/>.</summary>
public sealed class SchedulePalette(Func<IScheduleAdmin> schedules) : IAdminPalette
{
    /// <summary>The handler is resolved on each call, so it may depend on actors that start after the endpoint.</summary>
    public SchedulePalette(IScheduleAdmin instance)
        : this(() => instance)
    {
    }

    public string Name => "schedule";

    public string Description => "Scheduled recomputation: list, add, remove, run now";

    public IReadOnlyList<AdminCommand> Commands =>
    [
        AdminCommand.Once(new("list", "schedule list", "Schedules with their cron, next and last run", Mutating: false),
            async (_, ct) => AdminResult.Table(await schedules().ListAsync(ct))),
        AdminCommand.Once(new("add", "schedule add <name> <cron> <spec-file>", "Add a schedule (cron in UTC, quoted: \"0 3 * * 0\"; six fields: seconds first)", Mutating: true, FileArgs: [2]),
            async (i, ct) =>
            {
                var spec = new JobSpec(Path.GetFileName(i.Positional(2, "spec-file")), i.FileContents(2, "spec-file"));
                var added = await schedules().AddAsync(i.Positional(0, "name"), i.Positional(1, "cron"), spec, ct);
                return AdminResult.Table([added], $"schedule {added.Name} added");
            }),
        AdminCommand.Once(new("remove", "schedule remove <name>", "Remove a schedule (jobs it started keep running)", Mutating: true),
            async (i, ct) =>
            {
                var name = i.Positional(0, "name");
                await schedules().RemoveAsync(name, ct);
                return AdminResult.Text($"schedule {name} removed", new { name, removed = true });
            }),
        AdminCommand.Once(new("run-now", "schedule run-now <name> [--force]", "Run now: recompute the genes whose inputs changed (--force: all)", Mutating: true),
            async (i, ct) =>
            {
                // --force takes no value, so the name is the first argument that is not an option, before or after it.
                bool force = i.Args.Contains("--force");
                var name = i.Args.FirstOrDefault(a => !a.StartsWith('-'))
                    ?? throw AdminException.BadRequest($"missing <name>; usage: {i.Command.Usage}");
                var run = await schedules().RunNowAsync(name, force, ct);
                return AdminResult.Table([run], run.JobId is null
                    ? $"schedule {name}: all {run.GenesTotal} gene(s) up to date, no job started"
                    : $"schedule {name} started job {run.JobId}: {run.GenesChanged} of {run.GenesTotal} gene(s) → {run.RunFolder}");
            }),
    ];
}
