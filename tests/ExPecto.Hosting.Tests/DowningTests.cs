using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.SBR;
using Akka.Hosting;
using ExPecto.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ExPecto.Hosting.Tests;

/// <summary>
/// Cluster:Downing picks the split-brain resolver (keep-oldest by default, see docs/cluster.md, "Downing"); what
/// Akka itself reads from the node's configuration is checked, not our own mapping. A downed node's process
/// must end, with a non-zero exit code, so that whatever supervises it restarts it.
/// </summary>
public sealed class DowningTests
{
    private static ClusterNodeOptions Bind(Dictionary<string, string?> values) =>
        ExPectoHostingExtensions.Bind<ClusterNodeOptions>(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), ClusterNodeOptions.Section);

    [Fact]
    public void Downing_defaults_to_keep_oldest_and_binds_from_Cluster_Downing()
    {
        Assert.Equal("keep-oldest", Bind([]).Downing);
        Assert.IsType<KeepOldestOption>(ExPectoHostingExtensions.SplitBrainResolverFor(Bind([])));
        var majority = Bind(new() { ["Cluster:Downing"] = "keep-majority" });
        Assert.Equal("keep-majority", majority.Downing);
        Assert.IsType<KeepMajorityOption>(ExPectoHostingExtensions.SplitBrainResolverFor(majority));
    }

    [Fact]
    public void An_unknown_strategy_is_refused_naming_the_option_and_the_value()
    {
        // At start-up, when the section binds …
        var bound = Assert.Throws<InputException>(() => Bind(new() { ["Cluster:Downing"] = "keep-referee" }));
        Assert.Contains("EXPECTO_CLUSTER__DOWNING", bound.Message);
        Assert.Contains("'keep-referee'", bound.Message);
        // … and for options built in code.
        var e = Assert.Throws<InputException>(() => ExPectoHostingExtensions.SplitBrainResolverFor(new ClusterNodeOptions { Downing = "keep-referee" }));
        Assert.Contains("EXPECTO_CLUSTER__DOWNING", e.Message);
        Assert.Contains("'keep-referee'", e.Message);
    }

    [Theory]
    [InlineData("keep-oldest", "keep-oldest")]
    [InlineData(" Keep-Oldest ", "keep-oldest")]
    [InlineData("keep-majority", "keep-majority")]
    public async Task The_actor_system_runs_the_chosen_split_brain_resolver_over_all_members(string configured, string expected)
    {
        var options = new ClusterNodeOptions { Port = 0, Downing = configured, DowningStableAfter = TimeSpan.FromSeconds(7) };
        await WithNodeAsync(options, system =>
        {
            Assert.IsType<SplitBrainResolverProvider>(Akka.Cluster.Cluster.Get(system).DowningProvider);
            var sbr = new SplitBrainResolverSettings(system.Settings.Config);
            Assert.Equal(expected, sbr.DowningStrategy);
            Assert.Equal(TimeSpan.FromSeconds(7), sbr.DowningStableAfter);
            // No role: every member counts (a role would narrow the decision to one or two nodes).
            Assert.Equal("", sbr.KeepOldestSettings.Role ?? "");
            Assert.Equal("", sbr.KeepMajorityRole ?? "");
            // The oldest member, alone and cut off from two or more others, downs itself: a crashed oldest is
            // downed by the rest instead of taking them down with it.
            if (expected == "keep-oldest") Assert.True(sbr.KeepOldestSettings.DownIfAlone);
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task A_downed_node_stops_its_host_with_a_non_zero_exit_code_and_a_stopped_one_with_zero()
    {
        var ct = TestContext.Current.CancellationToken;
        // Environment.ExitCode is process-wide: both cases in one test, reset afterwards (the test runner returns
        // its own exit code from Main anyway).
        try
        {
            await WithNodeAsync(new ClusterNodeOptions { Port = 0 }, _ => Task.CompletedTask);
            Assert.Equal(0, Environment.ExitCode);

            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            var options = new ClusterNodeOptions { Port = 0 };
            builder.Services.AddAkka(options.SystemName, (akka, _) => akka.WithExPectoCluster(options, "member"));
            using var host = builder.Build();
            await host.StartAsync(ct);
            var system = host.Services.GetRequiredService<ActorSystem>();
            var cluster = Akka.Cluster.Cluster.Get(system);
            await WaitUntilAsync(() => cluster.SelfMember.Status == MemberStatus.Up, "the node to come up", ct);
            var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

            cluster.Down(cluster.SelfAddress);

            await WaitUntilAsync(() => stopping.IsCancellationRequested, "the downed node to stop its host", ct);
            Assert.True(system.WhenTerminated.IsCompleted);
            Assert.IsType<CoordinatedShutdown.ClusterDowningReason>(CoordinatedShutdown.Get(system).ShutdownReason);
            // Akka.Hosting's choice (process exit status 255); seed and worker return it from Main, `serve` too.
            Assert.Equal(-1, Environment.ExitCode);
            await host.StopAsync(CancellationToken.None);
        }
        finally
        {
            Environment.ExitCode = 0;
        }
    }

    private static async Task WithNodeAsync(ClusterNodeOptions options, Func<ActorSystem, Task> check)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddAkka(options.SystemName, (akka, _) => akka.WithExPectoCluster(options, "member"));
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            await check(host.Services.GetRequiredService<ActorSystem>());
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(100, ct);
        }
    }
}
