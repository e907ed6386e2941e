using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ExPecto.Hosting.Tests;

/// <summary>
/// Cluster:ShutdownAfterUnsuccessfulJoinSeedNodes reaches Akka as akka.cluster.shutdown-after-unsuccessful-join-seed-nodes
/// (what Akka reads is checked): 60 s by default for a node that joins through seeds, off for a node that founds the
/// cluster and when set to zero. The exit itself is JoinTests (a real worker process).
/// </summary>
public sealed class JoinGiveUpTests
{
    [Theory]
    [InlineData("127.0.0.1:1", null, 60.0)]
    [InlineData("127.0.0.1:1", "00:00:07", 7.0)]
    [InlineData("127.0.0.1:1", "00:00:00", null)]
    [InlineData("", null, null)]
    public async Task A_node_joining_through_seeds_gives_up_after_the_configured_time(string seeds, string? configured, double? expectedSeconds)
    {
        var options = new ClusterNodeOptions { Port = 0, Seeds = seeds };
        if (configured is not null) options.ShutdownAfterUnsuccessfulJoinSeedNodes = TimeSpan.Parse(configured, System.Globalization.CultureInfo.InvariantCulture);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddAkka(options.SystemName, (akka, _) => akka.WithExPectoCluster(options, "member"));
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var settings = Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<ActorSystem>()).Settings;
            Assert.Equal(expectedSeconds is null ? null : TimeSpan.FromSeconds(expectedSeconds.Value), settings.ShutdownAfterUnsuccessfulJoinSeedNodes);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void A_negative_time_is_refused_naming_the_option()
    {
        var e = Assert.Throws<ExPecto.Core.InputException>(() => new ClusterNodeOptions { ShutdownAfterUnsuccessfulJoinSeedNodes = TimeSpan.FromSeconds(-1) }.Validate("Cluster"));
        Assert.Contains("Cluster:ShutdownAfterUnsuccessfulJoinSeedNodes (EXPECTO_CLUSTER__SHUTDOWNAFTERUNSUCCESSFULJOINSEEDNODES)", e.Message);
    }
}
