using Akka.Actor;
using Akka.Hosting;
using ExPecto.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ExPecto.Coordinator.Cli;

/// <summary>A short-lived client node (role "client") that joins the cluster to talk to the job manager, then leaves.</summary>
internal static class ClusterClient
{
    public static async Task<T> WithJobManagerAsync<T>(string seeds, Func<IActorRef, Task<T>> use, CancellationToken ct)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddExPectoSources();
        var cluster = ExPectoHostingExtensions.Bind<ClusterNodeOptions>(builder.Configuration, ClusterNodeOptions.Section);
        cluster.Port = 0;
        cluster.Seeds = seeds;
        // A client's operator sees it wait and its asks time out; giving up on joining is for supervised nodes.
        cluster.ShutdownAfterUnsuccessfulJoinSeedNodes = TimeSpan.Zero;
        builder.Services.AddAkka(cluster.SystemName, (akka, _) => akka
            .WithExPectoCluster(cluster, Roles.Client)
            .WithJobManagerProxy());
        using var host = builder.Build();
        await host.StartAsync(ct);
        try
        {
            var jm = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<JobManager>(ct);
            return await use(jm);
        }
        catch (AskTimeoutException)
        {
            // The asks were retried while a coordinator might still be starting; after that it is one line, not a trace.
            throw new ClusterUnreachableException(
                $"no coordinator answered through the seed nodes {seeds}: is the cluster running (`expecto serve`, a seed), and are these its seed addresses?");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}

/// <summary>No coordinator could be reached through the given seeds: one line on stderr, exit 1.</summary>
internal sealed class ClusterUnreachableException(string message) : Exception(message);
