using ExPecto.TestHooks;
using Akka.Actor;
using Akka.Hosting;
using ExPecto.Admin;
using ExPecto.Admin.Client;
using ExPecto.Admin.Hosting;
using ExPecto.Admin.Contracts;
using ExPecto.Coordinator;
using ExPecto.Coordinator.Schedules;
using ExPecto.Worker;
using ExPecto.Hosting;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;
using JobSpec = ExPecto.Admin.Contracts.JobSpec;
using ExPecto.Protocol.Schedules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ExPecto.Protocol;

namespace ExPecto.Cluster.Tests.Schedules;

/// <summary>
/// The schedule manager in a one-node cluster (coordinator and worker roles, SQLite journal, fake engine), driven
/// through <see cref="IScheduleAdmin"/> as the admin console drives it.
/// </summary>
public sealed class ScheduleManagerTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempDir _tmp = new();
    private readonly ScheduleInputs _inputs;

    public ScheduleManagerTests() => _inputs = new ScheduleInputs(_tmp.Sub("in"), 6);

    public void Dispose() => _tmp.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<IHost> StartAsync(TimeProvider clock, IJobFinalizer? finalizer = null)
    {
        var persistence = new PersistenceOptions { SqliteFile = _tmp.Sub("state/checkpoints.db") };
        var cluster = new ClusterNodeOptions { Seeds = "", LogFile = _tmp.Sub("node.log") };
        var engines = FakeEngine.Catalog();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddAkka(cluster.SystemName, (akka, _) => akka
            .WithExPectoCluster(cluster, Roles.Coordinator, Roles.Worker)
            .WithExPectoPersistence(persistence)
            .WithExPectoCoordinator(new CoordinatorOptions { DispatchTick = TimeSpan.FromMilliseconds(300) }, persistence, finalizer ?? new NoOpJobFinalizer())
            .WithExPectoSchedules(new ScheduleOptions { Tick = TimeSpan.FromMilliseconds(200), BaseDirectory = _inputs.Dir }, persistence, engines, clock)
            .WithExPectoWorker(new WorkerOptions { Devices = "cpu:0", HeartbeatInterval = TimeSpan.FromMilliseconds(500) }, engines, withProxies: false));
        builder.Services.AddSingleton<IScheduleAdmin, ScheduleAdmin>();
        var host = builder.Build();
        await host.StartAsync(Ct);
        return host;
    }

    private static async Task StopAsync(IHost host)
    {
        await host.StopAsync(CancellationToken.None);
        host.Dispose();
    }

    private static IScheduleAdmin Admin(IHost host) => host.Services.GetRequiredService<IScheduleAdmin>();

    private static async Task<ScheduleInfo> WaitAsync(IHost host, string name, Func<ScheduleInfo, bool> until)
    {
        var deadline = DateTime.UtcNow + Patience;
        ScheduleInfo? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = (await Admin(host).ListAsync(Ct)).SingleOrDefault(s => s.Name == name);
            if (last is not null && until(last)) return last;
            await Task.Delay(100, Ct);
        }
        throw new TimeoutException($"schedule {name} did not reach the expected state; last: {last}, {last?.LastOutcome}, running {last?.RunningJobId}");
    }

    private static Task<ScheduleInfo> FinishedAsync(IHost host, string name, string jobId) =>
        WaitAsync(host, name, s => s.LastJobId == jobId && s.RunningJobId is null);

    private static async Task<IReadOnlyList<JobStatusView>> JobsAsync(IHost host)
    {
        var jobManager = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<JobManager>(Ct);
        return (await jobManager.Ask<JobStatusResponse>(new GetJobStatus(null), TimeSpan.FromSeconds(10), Ct)).Jobs;
    }

    /// <summary>Gene ids whose fake output files a run folder holds.</summary>
    private static string[] GenesIn(string runFolder) =>
        Directory.EnumerateFiles(Path.Combine(runFolder, "effects"), "*.tsv", SearchOption.AllDirectories)
            .Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToArray()!;

    private JobSpec Spec(int delayMs = 0) => new("spec.json", _inputs.SpecText(delayMs));

    [Fact]
    public async Task A_seconds_level_cron_fires_submits_one_job_and_never_starts_a_second_while_it_runs()
    {
        var host = await StartAsync(TimeProvider.System);
        try
        {
            await Admin(host).AddAsync("every-second", "* * * * * *", Spec(delayMs: 400), Ct);

            var running = await WaitAsync(host, "every-second", s => s.RunningJobId is not null);
            var busy = await Assert.ThrowsAsync<AdminException>(() => Admin(host).RunNowAsync("every-second", false, Ct));
            Assert.Equal(AdminErrorKind.Conflict, busy.Kind);

            var done = await FinishedAsync(host, "every-second", running.RunningJobId!);
            Assert.StartsWith("complete: 6 gene(s) recomputed", done.LastOutcome);
            // The cron keeps firing every second; nothing changed, so no second job is ever submitted.
            var later = await WaitAsync(host, "every-second", s => s.LastRunAt > done.LastRunAt!.Value.AddSeconds(1));
            Assert.Equal("up to date (6 gene(s))", later.LastOutcome);
            var job = Assert.Single(await JobsAsync(host));
            Assert.Equal((running.RunningJobId, JobPhase.Complete, 6), (job.JobId, job.Phase, job.Committed));

            var runFolder = job.OutputDir;
            Assert.Equal(Path.Combine(_inputs.Out, "runs"), Path.GetDirectoryName(runFolder));
            Assert.Equal(_inputs.GeneIds, GenesIn(runFolder));
            var index = ScheduleIndexFile.Read(_inputs.Out);
            Assert.Equal(_inputs.GeneIds, index.Keys.Order(StringComparer.Ordinal));
            Assert.All(index.Values, run => Assert.Equal("runs/" + Path.GetFileName(runFolder), run));
        }
        finally
        {
            await StopAsync(host);
        }
    }

    /// <summary>Holds every job's finalization until released, so a cancelled job stays "cancelling".</summary>
    private sealed class GatedFinalizer : IJobFinalizer
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<IReadOnlyList<string>> FinalizeAsync(FinishedJob job, CancellationToken ct)
        {
            Entered.TrySetResult();
            await Release.Task;
            return [];
        }
    }

    [Fact]
    public async Task A_job_that_is_still_cancelling_is_not_recorded_as_a_finished_run()
    {
        var gate = new GatedFinalizer();
        var host = await StartAsync(new ManualClock(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero)), gate);
        try
        {
            var admin = Admin(host);
            await admin.AddAsync("yearly", "0 0 1 1 *", Spec(delayMs: 2000), Ct);
            var run = await admin.RunNowAsync("yearly", false, Ct);
            string jobId = run.JobId!;
            var jobManager = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<JobManager>(Ct);
            var cancel = await jobManager.Ask<ControlJobResponse>(new ControlJob(jobId, JobControl.Cancel), TimeSpan.FromSeconds(10), Ct);
            Assert.Null(cancel.Error);
            await gate.Entered.Task.WaitAsync(Patience, Ct);
            Assert.Equal(JobPhase.Cancelling, (await JobsAsync(host)).Single(j => j.JobId == jobId).Phase);

            // The schedule polls every 200 ms: many polls see the job cancelling; the run must stay open.
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
            var during = (await admin.ListAsync(Ct)).Single(s => s.Name == "yearly");
            Assert.Equal(jobId, during.RunningJobId);

            gate.Release.SetResult();
            var done = await FinishedAsync(host, "yearly", jobId);
            Assert.StartsWith("cancelled: 0 gene(s) recomputed", done.LastOutcome);
        }
        finally
        {
            gate.Release.TrySetResult();
            await StopAsync(host);
        }
    }

    [Fact]
    public async Task An_incremental_run_recomputes_exactly_the_genes_whose_inputs_changed_and_force_recomputes_all()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var host = await StartAsync(clock);
        try
        {
            var admin = Admin(host);
            await admin.AddAsync("yearly", "0 0 1 1 *", Spec(), Ct);

            var first = await admin.RunNowAsync("yearly", false, Ct);
            Assert.Equal(("started", 6, 6), (first.Outcome, first.GenesChanged, first.GenesTotal));
            await FinishedAsync(host, "yearly", first.JobId!);

            var unchanged = await admin.RunNowAsync("yearly", false, Ct);
            Assert.Equal(("up-to-date", null, 0), (unchanged.Outcome, unchanged.JobId, unchanged.GenesChanged));

            _inputs.SetTss("ENSG00002", 1400);
            _inputs.SetTss("ENSG00005", 1600);
            clock.Now = clock.Now.AddMinutes(1);
            var second = await admin.RunNowAsync("yearly", false, Ct);
            Assert.Equal(("started", 2, 6), (second.Outcome, second.GenesChanged, second.GenesTotal));
            await FinishedAsync(host, "yearly", second.JobId!);
            Assert.Equal(["ENSG00002", "ENSG00005"], GenesIn(second.RunFolder!));

            _inputs.ChangeBase(ScheduleInputs.ChromOf(0), 1000);
            clock.Now = clock.Now.AddMinutes(1);
            var third = await admin.RunNowAsync("yearly", false, Ct);
            Assert.Equal(1, third.GenesChanged);
            await FinishedAsync(host, "yearly", third.JobId!);
            Assert.Equal(["ENSG00001"], GenesIn(third.RunFolder!));

            var index = ScheduleIndexFile.Read(_inputs.Out);
            string Run(ScheduleRunResult r) => "runs/" + Path.GetFileName(r.RunFolder);
            Assert.Equal(Run(third), index["ENSG00001"]);
            Assert.Equal(Run(second), index["ENSG00002"]);
            Assert.Equal(Run(second), index["ENSG00005"]);
            Assert.Equal(Run(first), index["ENSG00003"]);

            clock.Now = clock.Now.AddMinutes(1);
            var forced = await admin.RunNowAsync("yearly", true, Ct);
            Assert.Equal(6, forced.GenesChanged);
            await FinishedAsync(host, "yearly", forced.JobId!);
            Assert.Equal(_inputs.GeneIds, GenesIn(forced.RunFolder!));
            Assert.All(ScheduleIndexFile.Read(_inputs.Out).Values, run => Assert.Equal(Run(forced), run));
            Assert.Equal(4, (await JobsAsync(host)).Count);
        }
        finally
        {
            await StopAsync(host);
        }
    }

    [Fact]
    public async Task Schedules_and_digests_survive_a_coordinator_restart_and_missed_occurrences_run_once_at_start_up()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 6, 1, 0, 30, 0, TimeSpan.Zero));
        var host = await StartAsync(clock);
        string firstJob;
        try
        {
            var unknown = await Assert.ThrowsAsync<AdminException>(() => Admin(host).RunNowAsync("hourly", false, Ct));
            Assert.Equal(AdminErrorKind.NotFound, unknown.Kind);
            await Admin(host).AddAsync("hourly", "0 * * * *", Spec(), Ct);
            var run = await Admin(host).RunNowAsync("hourly", false, Ct);
            firstJob = run.JobId!;
            await FinishedAsync(host, "hourly", firstJob);
        }
        finally
        {
            await StopAsync(host);
        }

        // Down over three occurrences (01:00, 02:00, 03:00), during which one gene's input changed.
        _inputs.SetTss("ENSG00004", 1700);
        clock.Now = new DateTimeOffset(2026, 6, 1, 3, 20, 0, TimeSpan.Zero);
        host = await StartAsync(clock);
        try
        {
            var restarted = await WaitAsync(host, "hourly", s => s.LastJobId != firstJob && s.RunningJobId is null && s.LastJobId is not null);
            Assert.Equal(("0 * * * *", "spec.json"), (restarted.Cron, restarted.SpecFileName));
            Assert.Equal(clock.Now, restarted.LastRunAt);
            Assert.Equal(new DateTimeOffset(2026, 6, 1, 4, 0, 0, TimeSpan.Zero), restarted.NextRunAt);
            Assert.StartsWith("complete: 1 gene(s) recomputed", restarted.LastOutcome);

            await Task.Delay(TimeSpan.FromSeconds(1), Ct); // several more ticks: nothing else is due
            var jobs = await JobsAsync(host);
            Assert.Equal(2, jobs.Count);
            Assert.Equal(1, jobs.Single(j => j.JobId != firstJob).Genes);

            var again = await Admin(host).RunNowAsync("hourly", false, Ct);
            Assert.Equal("up-to-date", again.Outcome);
        }
        finally
        {
            await StopAsync(host);
        }
    }

    [Fact]
    public async Task The_admin_console_adds_a_schedule_runs_it_now_refuses_a_second_run_and_forces_all_genes()
    {
        const string token = "schedule-admin-token-for-tests-0123456789";
        var host = await StartAsync(new ManualClock(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero)));
        var system = host.Services.GetRequiredService<ActorSystem>();
        await using var server = await AdminServer.StartAsync(system, new AdminOptions { Endpoint = "127.0.0.1:0", Token = token }, schedules: Admin(host), cancellationToken: Ct);
        string tokenFile = _tmp.Sub("token"), specFile = _tmp.Sub("nightly.json");
        File.WriteAllText(tokenFile, token + "\n");
        File.WriteAllText(specFile, _inputs.SpecText(delayMs: 300));
        async Task<(int Code, string Out, string Err)> Cli(params string[] words)
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            int code = await AdminCli.RunAsync([server.LoopbackEndpoint, "schedule", .. words, "--token-file", tokenFile], new StringReader(""), stdout, stderr, Ct);
            return (code, stdout.ToString(), stderr.ToString());
        }
        try
        {
            var add = await Cli("add", "nightly", "0 2 * * *", specFile);
            var run = await Cli("run-now", "nightly");
            var again = await Cli("run-now", "nightly", "--force");
            Assert.Equal(0, add.Code);
            Assert.Equal(0, run.Code);
            Assert.Contains("started job j", run.Out);
            Assert.Contains(": 6 of 6 gene(s) → " + Path.Combine(_inputs.Out, "runs", "20260601T120000Z"), run.Out);
            Assert.Equal(AdminCli.ExitFailure, again.Code);
            Assert.Contains("schedule 'nightly' is already running job j", again.Err);

            var first = (await Admin(host).ListAsync(Ct)).Single();
            await FinishedAsync(host, "nightly", first.RunningJobId!);
            var upToDate = await Cli("run-now", "nightly");
            var forced = await Cli("run-now", "--force", "nightly");
            Assert.Contains("schedule nightly: all 6 gene(s) up to date, no job started", upToDate.Out);
            Assert.Equal(0, forced.Code);
            Assert.Contains(": 6 of 6 gene(s) → " + Path.Combine(_inputs.Out, "runs", "20260601T120000Z-2"), forced.Out);
            var list = await Cli("list");
            Assert.Contains("0 2 * * *", list.Out);
            Assert.Contains("2026-06-02 02:00:00Z", list.Out);
        }
        finally
        {
            await StopAsync(host);
        }
    }
}
