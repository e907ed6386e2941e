using System.Net;
using Akka.Cluster;
using Akka.Hosting;
using ExPecto.Admin.Hosting;
using ExPecto.Admin.Protocol;
using ExPecto.Admin.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ExPecto.Admin.Tests;

/// <summary>The endpoint as the roles host it: a generic host with Akka.Hosting's AddAkka and AddExPectoAdmin.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task AddExPectoAdmin_serves_the_ActorSystem_that_Akka_Hosting_starts()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAkka("expecto", akka => akka
            .AddHocon(LoopbackCluster.NodeConfig, HoconAddMode.Prepend)
            .AddStartup((system, _) => Cluster.Get(system).Join(Cluster.Get(system).SelfAddress)));
        builder.Services.AddSingleton<ExPecto.Admin.Contracts.IJobAdmin, RecordingJobAdmin>();
        builder.Services.AddExPectoAdmin(configure: o =>
        {
            o.Endpoint = "127.0.0.1:0";
            o.Token = LoopbackCluster.Token;
        });
        using var host = builder.Build();
        await host.StartAsync(ct);
        try
        {
            var endpoint = host.Services.GetRequiredService<AdminServerHandle>().Server!.LoopbackEndpoint;
            using var http = new HttpClient { BaseAddress = new Uri($"http://{endpoint}") };
            await LoopbackCluster.WaitUntil(
                () => http.GetAsync(AdminWire.ReadinessPath, ct).Result.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(15));

            var show = await Cli.AdminAsync(endpoint, "cluster", "show");
            var jobs = await Cli.AdminAsync(endpoint, "job", "list");

            Assert.Equal(0, show.ExitCode);
            Assert.Contains("1 member(s), 0 unreachable", show.Out);
            Assert.Equal(0, jobs.ExitCode);
            Assert.Contains("chr22", jobs.Out);
        }
        finally
        {
            await host.StopAsync(ct);
        }
    }
}
