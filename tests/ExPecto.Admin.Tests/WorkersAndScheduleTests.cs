using Akka.Cluster;
using ExPecto.Admin.Client;
using ExPecto.Admin.Hosting;
using ExPecto.Admin.Tests.Support;

namespace ExPecto.Admin.Tests;

/// <summary>The workers and schedule palettes on one node (routing and file arguments; no cluster needed).</summary>
public sealed class WorkersAndScheduleTests : IAsyncLifetime
{
    private readonly RecordingScheduleAdmin _schedules = new();
    private Akka.Actor.ActorSystem _system = null!;
    private AdminServer _admin = null!;
    private string _tokenFile = null!;

    public async ValueTask InitializeAsync()
    {
        _system = LoopbackCluster.NewSystem();
        await Cluster.Get(_system).JoinAsync(Cluster.Get(_system).SelfAddress, TestContext.Current.CancellationToken);
        _admin = await AdminServer.StartAsync(_system, new AdminOptions { Endpoint = "127.0.0.1:0", Token = LoopbackCluster.Token },
            workers: new FakeWorkerAdmin(), schedules: _schedules, cancellationToken: TestContext.Current.CancellationToken);
        _tokenFile = Cli.TokenFile(LoopbackCluster.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _system.Terminate();
    }

    [Fact]
    public async Task Workers_without_a_command_lists_the_workers()
    {
        var run = await Cli.AdminAsync(_admin.LoopbackEndpoint, "workers");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("cuda:0", run.Out);
        Assert.Contains("2 worker(s), 861.8 mutations/s in all", run.Out);
    }

    [Fact]
    public async Task Schedule_add_sends_the_quoted_cron_and_the_spec_file_then_run_now_triggers_it_with_or_without_force()
    {
        var spec = Path.Combine(Path.GetDirectoryName(_tokenFile)!, "weekly.json");
        File.WriteAllText(spec, """{"genes":"all"}""");

        var add = await Cli.AdminAsync(_admin.LoopbackEndpoint, "schedule", "add", "weekly", "0 3 * * 0", spec, "--token-file", _tokenFile);
        var again = await Cli.AdminAsync(_admin.LoopbackEndpoint, "schedule", "add", "weekly", "0 3 * * 0", spec, "--token-file", _tokenFile);
        var runNow = await Cli.AdminAsync(_admin.LoopbackEndpoint, "schedule", "run-now", "weekly", "--token-file", _tokenFile);
        var forced = await Cli.AdminAsync(_admin.LoopbackEndpoint, "schedule", "run-now", "--force", "weekly", "--token-file", _tokenFile);
        var list = await Cli.AdminAsync(_admin.LoopbackEndpoint, "schedule", "list");

        Assert.Equal(0, add.ExitCode);
        Assert.Contains("""Add weekly [0 3 * * 0] weekly.json {"genes":"all"}""", _schedules.Calls);
        Assert.Equal(AdminCli.ExitFailure, again.ExitCode);
        Assert.Equal("expecto admin: schedule 'weekly' exists", Assert.Single(again.ErrLines));
        Assert.Equal(0, runNow.ExitCode);
        Assert.Contains("schedule weekly started job j-9: 2 of 5 gene(s)", runNow.Out);
        Assert.Equal(0, forced.ExitCode);
        Assert.Equal(["RunNow weekly", "RunNow weekly --force"], _schedules.Calls.Where(c => c.StartsWith("RunNow", StringComparison.Ordinal)));
        Assert.Contains("0 3 * * 0", list.Out);
    }

    [Fact]
    public async Task Schedule_add_with_a_missing_spec_file_fails_on_the_client_with_one_line()
    {
        var run = await Cli.AdminAsync(_admin.LoopbackEndpoint, "schedule", "add", "x", "* * * * *", "/no/such/spec.json", "--token-file", _tokenFile);

        Assert.Equal(AdminCli.ExitUsage, run.ExitCode);
        Assert.StartsWith("expecto admin: cannot read /no/such/spec.json", Assert.Single(run.ErrLines));
        Assert.Empty(_schedules.Calls);
    }
}
