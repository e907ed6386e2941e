using System.Text.Json;
using Akka.Actor;
using ExPecto.Admin.Client;
using ExPecto.Admin.Protocol;
using ExPecto.Admin.Tests.Support;

namespace ExPecto.Admin.Tests;

[Collection(TwoNodeCollection.Name)]
public sealed class ClusterPaletteTests(TwoNodeClusterFixture fixture)
{
    private LoopbackCluster.Node A => fixture.Cluster.Nodes[0];

    private LoopbackCluster.Node B => fixture.Cluster.Nodes[1];

    [Fact]
    public async Task Cluster_show_lists_both_members_as_Up_without_a_token_on_loopback()
    {
        var run = await Cli.AdminAsync(A.Endpoint, "cluster", "show");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(A.Address.ToString(), run.Out);
        Assert.Contains(B.Address.ToString(), run.Out);
        Assert.Contains("2 member(s), 0 unreachable", run.Out);
        Assert.Equal("", run.Err);
    }

    [Fact]
    public async Task Cluster_show_with_json_gives_one_object_per_member()
    {
        var run = await Cli.AdminAsync(B.Endpoint, "cluster", "show", "--json");

        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var members = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, members.Count);
        Assert.All(members, m => Assert.Equal("Up", m.GetProperty("status").GetString()));
        Assert.Single(members, m => m.GetProperty("self").GetBoolean() && m.GetProperty("address").GetString() == B.Address.ToString());
        Assert.Single(members, m => m.GetProperty("leader").GetBoolean());
    }

    [Fact]
    public async Task Unknown_palette_prints_one_line_and_exits_non_zero()
    {
        var run = await Cli.AdminAsync(A.Endpoint, "clustre", "show");

        Assert.Equal(AdminCli.ExitUsage, run.ExitCode);
        var line = Assert.Single(run.ErrLines);
        Assert.Contains("unknown palette 'clustre'", line);
        Assert.Contains("cluster", line);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task Unknown_command_and_missing_argument_are_one_line_usage_errors()
    {
        var unknown = await Cli.AdminAsync(A.Endpoint, "cluster", "shw");
        var missing = await Cli.AdminAsync(A.Endpoint, "cluster", "down", "--token-file", Cli.TokenFile(LoopbackCluster.Token));

        Assert.Equal(AdminCli.ExitUsage, unknown.ExitCode);
        Assert.Contains("unknown command 'cluster shw'", Assert.Single(unknown.ErrLines));
        Assert.Equal(AdminCli.ExitUsage, missing.ExitCode);
        Assert.Contains("missing <address>; usage: cluster down <address>", Assert.Single(missing.ErrLines));
    }

    [Fact]
    public async Task Down_of_an_address_that_is_not_a_member_is_refused_as_not_found()
    {
        var run = await Cli.AdminAsync(A.Endpoint, "cluster", "down", "127.0.0.1:1", "--token-file", Cli.TokenFile(LoopbackCluster.Token));

        Assert.Equal(AdminCli.ExitFailure, run.ExitCode);
        Assert.Contains("akka.tcp://expecto@127.0.0.1:1 is not a member", Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task Cluster_tail_streams_the_current_members_as_events()
    {
        using var client = new AdminClient(A.Endpoint, token: null);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(15));
        var events = new List<AdminResult>();
        await foreach (var e in client.ExecuteAsync(new AdminRequest("cluster", "tail", []), cts.Token))
        {
            events.Add(e);
            if (events.Count(x => x.Message!.Contains("MemberUp")) == 2)
                break;
        }

        Assert.Contains(events, e => e.Message!.Contains("MemberUp") && e.Message.Contains(A.Address.ToString()));
        Assert.Contains(events, e => e.Message!.Contains("MemberUp") && e.Message.Contains(B.Address.ToString()));
        Assert.All(events, e => Assert.NotNull(e.Data));
    }

    [Fact]
    public async Task Sharding_palette_reports_the_gene_region_and_its_entities_across_nodes()
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var gene in new[] { "TP53", "BRCA1", "CFTR", "HBB", "MYC" })
            await A.Genes!.Ask<string>(new LoopbackCluster.Hello(gene), TimeSpan.FromSeconds(10), ct);

        var regions = await Cli.AdminAsync(A.Endpoint, "cluster-sharding", "regions");
        // Cluster-wide stats are gathered with a timeout per region: on a loaded machine (test projects run in
        // parallel) one query may miss a region's answer, so ask again for a few seconds.
        int entities = 0;
        for (int attempt = 0; attempt < 10 && entities < 5; attempt++)
        {
            if (attempt > 0) await Task.Delay(500, ct);
            var cluster = await Cli.AdminAsync(B.Endpoint, "cluster-sharding", "shard-stats", "-r", "gene", "--json");
            Assert.Equal(0, cluster.ExitCode);
            using var doc = JsonDocument.Parse(cluster.Out);
            entities = doc.RootElement.EnumerateArray().Sum(r => r.GetProperty("entities").GetInt32());
        }
        var local = await Cli.AdminAsync(A.Endpoint, "cluster-sharding", "region-stats", "-r", "gene");
        var unknown = await Cli.AdminAsync(A.Endpoint, "cluster-sharding", "region-stats", "-r", "transcript");

        Assert.Equal(0, regions.ExitCode);
        Assert.Contains("gene", regions.Out);
        Assert.True(entities >= 5, $"shard-stats counted {entities} entities across nodes, not the 5 started");
        Assert.Equal(0, local.ExitCode);
        Assert.Contains("region gene:", local.Out);
        Assert.Equal(AdminCli.ExitFailure, unknown.ExitCode);
        Assert.Contains("no shard region 'transcript' on this node (regions here: gene)", Assert.Single(unknown.ErrLines));
    }

    [Fact]
    public async Task Interactive_prompt_runs_help_and_commands_read_line_by_line()
    {
        var run = await Cli.AdminWithInputAsync("help cluster\ncluster show\nnope x\nexit\n", A.Endpoint);

        Assert.Contains("palettes: cluster, cluster-sharding, job", run.Out);
        Assert.Contains("cluster down <address>", run.Out);
        Assert.Contains(B.Address.ToString(), run.Out);
        Assert.Contains("unknown palette 'nope'", Assert.Single(run.ErrLines));
        Assert.Equal(AdminCli.ExitFailure, run.ExitCode);
    }
}
