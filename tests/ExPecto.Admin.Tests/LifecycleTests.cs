using System.Net;
using Akka.Cluster;
using ExPecto.Admin.Hosting;
using ExPecto.Admin.Protocol;
using ExPecto.Admin.Tests.Support;

namespace ExPecto.Admin.Tests;

/// <summary>Tests that change membership, each on its own cluster.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task Cluster_leave_on_one_node_removes_it_from_the_other_nodes_view()
    {
        await using var cluster = await LoopbackCluster.StartAsync(2);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);

        var leave = await Cli.AdminAsync(b.Endpoint, "cluster", "leave", "--wait", "20", "--token-file", Cli.TokenFile(LoopbackCluster.Token));
        Assert.Equal(0, leave.ExitCode);
        Assert.Contains($"{b.Address} has left the cluster", leave.Out);

        await LoopbackCluster.WaitUntil(() => Cluster.Get(a.System).State.Members.Count == 1, TimeSpan.FromSeconds(20));
        var show = await Cli.AdminAsync(a.Endpoint, "cluster", "show");
        Assert.Contains("1 member(s)", show.Out);
        Assert.DoesNotContain(b.Address.ToString(), show.Out);
        await b.System.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Cluster_leave_without_wait_answers_at_once_and_the_node_goes_not_ready()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await LoopbackCluster.StartAsync(2);
        var b = cluster.Nodes[1];
        using var http = new HttpClient { BaseAddress = new Uri($"http://{b.Endpoint}") };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(AdminWire.ReadinessPath, ct)).StatusCode);

        var leave = await Cli.AdminAsync(b.Endpoint, "cluster", "leave", "--token-file", Cli.TokenFile(LoopbackCluster.Token));

        Assert.Equal(0, leave.ExitCode);
        Assert.Contains($"{b.Address} is leaving the cluster", leave.Out);
        await LoopbackCluster.WaitUntil(
            () => http.GetAsync(AdminWire.ReadinessPath, ct).Result.StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Readyz_is_unavailable_until_the_node_is_Up_while_healthz_stays_ok()
    {
        var ct = TestContext.Current.CancellationToken;
        var system = LoopbackCluster.NewSystem();
        try
        {
            await using var admin = await AdminServer.StartAsync(system, new AdminOptions { Endpoint = "127.0.0.1:0" }, cancellationToken: TestContext.Current.CancellationToken);
            using var http = new HttpClient { BaseAddress = new Uri($"http://{admin.LoopbackEndpoint}") };

            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(AdminWire.ReadinessPath, ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(AdminWire.LivenessPath, ct)).StatusCode);

            await Cluster.Get(system).JoinAsync(Cluster.Get(system).SelfAddress, ct);
            await LoopbackCluster.WaitUntil(() => Cluster.Get(system).SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(10));

            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(AdminWire.ReadinessPath, ct)).StatusCode);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task A_node_without_a_configured_token_refuses_every_mutating_command()
    {
        var system = LoopbackCluster.NewSystem();
        try
        {
            await using var admin = await AdminServer.StartAsync(system, new AdminOptions { Endpoint = "127.0.0.1:0" }, cancellationToken: TestContext.Current.CancellationToken);

            var run = await Cli.AdminAsync(admin.LoopbackEndpoint, "cluster", "leave", "--token-file", Cli.TokenFile("anything"));

            Assert.Equal(ExPecto.Admin.Client.AdminCli.ExitRefused, run.ExitCode);
            Assert.Contains("none is configured on this node", Assert.Single(run.ErrLines));
        }
        finally
        {
            await system.Terminate();
        }
    }
}
