using ExPecto.Admin.Client;
using ExPecto.Admin.Tests.Support;

namespace ExPecto.Admin.Tests;

[Collection(TwoNodeCollection.Name)]
public sealed class JobPaletteTests(TwoNodeClusterFixture fixture)
{
    private LoopbackCluster.Node A => fixture.Cluster.Nodes[0];

    private string TokenFile { get; } = Cli.TokenFile(LoopbackCluster.Token);

    [Fact]
    public async Task Pause_and_resume_reach_the_job_handler_with_the_job_id()
    {
        var pause = await Cli.AdminAsync(A.Endpoint, "job", "pause", "j-1", "--token-file", TokenFile);
        var resume = await Cli.AdminAsync(A.Endpoint, "job", "resume", "j-1", "--token-file", TokenFile);

        Assert.Equal(0, pause.ExitCode);
        Assert.Contains("job j-1 paused", pause.Out);
        Assert.Contains("Paused", pause.Out);
        Assert.Equal(0, resume.ExitCode);
        Assert.Contains("Running", resume.Out);
        var calls = fixture.Jobs.Calls.ToList();
        Assert.True(calls.IndexOf("Pause j-1") >= 0 && calls.IndexOf("Resume j-1") > calls.IndexOf("Pause j-1"), string.Join(";", calls));
    }

    [Fact]
    public async Task Pause_is_mutating_and_needs_the_token()
    {
        var before = fixture.Jobs.Calls.Count(c => c.StartsWith("Pause", StringComparison.Ordinal));
        var run = await Cli.AdminAsync(A.Endpoint, "job", "pause", "j-1");

        Assert.Equal(AdminCli.ExitRefused, run.ExitCode);
        Assert.Equal(before, fixture.Jobs.Calls.Count(c => c.StartsWith("Pause", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Handler_errors_become_one_line_and_a_non_zero_exit()
    {
        var run = await Cli.AdminAsync(A.Endpoint, "job", "cancel", "nope", "--token-file", TokenFile);

        Assert.Equal(AdminCli.ExitFailure, run.ExitCode);
        Assert.Equal("expecto admin: no job 'nope'", Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task Submit_sends_the_spec_file_contents_read_by_the_client()
    {
        var spec = Path.Combine(Path.GetDirectoryName(TokenFile)!, "chr21.json");
        File.WriteAllText(spec, """{"genes":"chr21"}""");

        var run = await Cli.AdminAsync(A.Endpoint, "job", "submit", spec, "--token-file", TokenFile, "--json");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("\"id\": \"j-2\"", run.Out);
        Assert.Contains("""Submit chr21.json {"genes":"chr21"}""", fixture.Jobs.Calls);
    }

    [Fact]
    public async Task Job_list_and_status_are_read_only_tables()
    {
        var list = await Cli.AdminAsync(A.Endpoint, "job", "list");
        var status = await Cli.AdminAsync(A.Endpoint, "job", "status", "j-1");

        Assert.Equal(0, list.ExitCode);
        Assert.Contains("chr22", list.Out);
        Assert.Contains("GenesDone", list.Out);
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("Failed TP53", status.Out);
    }

    [Fact]
    public async Task Palettes_without_a_handler_are_not_served()
    {
        var run = await Cli.AdminAsync(A.Endpoint, "schedule", "list");

        Assert.Equal(AdminCli.ExitUsage, run.ExitCode);
        Assert.Contains("unknown palette 'schedule'", Assert.Single(run.ErrLines));
    }
}
