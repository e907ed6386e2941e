using System.Globalization;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ExPecto.Hosting.Tests;

/// <summary>Exposing a node is a deliberate act: with no configuration, remoting listens on loopback only, without TLS.</summary>
public sealed class DefaultBindingTests
{
    [Fact]
    public void Options_bound_from_empty_configuration_bind_loopback_without_TLS()
    {
        var options = ExPectoHostingExtensions.Bind<ClusterNodeOptions>(new ConfigurationBuilder().Build(), ClusterNodeOptions.Section);

        Assert.Equal("127.0.0.1", options.Hostname);
        Assert.False(options.Tls.Enabled);
        Assert.Equal("akka.tcp", options.Protocol);
    }

    [Fact]
    public void Tls_options_bind_from_the_environment_and_switch_the_seed_protocol()
    {
        // The files must exist: binding checks them (a missing certificate is one start-up error line).
        string dir = Directory.CreateTempSubdirectory("expecto-tls-").FullName;
        try
        {
            foreach (string f in new[] { "node.pfx", "password", "ca.crt" }) File.WriteAllText(Path.Combine(dir, f), "x");
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Cluster:Tls:Enabled"] = "true",
                ["Cluster:Tls:CertificatePath"] = Path.Combine(dir, "node.pfx"),
                ["Cluster:Tls:CertificatePasswordFile"] = Path.Combine(dir, "password"),
                ["Cluster:Tls:CaCertificatePath"] = Path.Combine(dir, "ca.crt"),
                ["Cluster:Seeds"] = "seed-0:4053",
            }).Build();
            var options = ExPectoHostingExtensions.Bind<ClusterNodeOptions>(configuration, ClusterNodeOptions.Section);

            Assert.True(options.Tls.Enabled);
            Assert.Equal(Path.Combine(dir, "node.pfx"), options.Tls.CertificatePath);
            Assert.Equal(Path.Combine(dir, "password"), options.Tls.CertificatePasswordFile);
            Assert.Equal(Path.Combine(dir, "ca.crt"), options.Tls.CaCertificatePath);
            Assert.Equal(["akka.ssl.tcp://expecto@seed-0:4053"], options.SeedAddresses());

            File.Delete(Path.Combine(dir, "ca.crt"));
            var e = Assert.Throws<ExPecto.Core.InputException>(() => ExPectoHostingExtensions.Bind<ClusterNodeOptions>(configuration, ClusterNodeOptions.Section));
            Assert.StartsWith("configuration Cluster:Tls:CaCertificatePath (EXPECTO_CLUSTER__TLS__CACERTIFICATEPATH): expected the cluster CA certificate file that exists", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_node_with_default_options_listens_on_loopback_only()
    {
        var options = new ClusterNodeOptions { Port = 0 };
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddAkka(options.SystemName, (akka, _) => akka.WithExPectoCluster(options, "member"));
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var address = Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<ActorSystem>()).SelfAddress;
            Assert.Equal("127.0.0.1", address.Host);
            Assert.Equal("akka.tcp", address.Protocol);
            if (!File.Exists("/proc/net/tcp"))
                Assert.Skip("no /proc/net/tcp here to read the listening socket from");
            // The kernel's own table: the listening socket on that port is bound to 127.0.0.1, not 0.0.0.0.
            // DotNetty may listen on a dual-mode IPv6 socket, where 127.0.0.1 shows as ::ffff:127.0.0.1.
            var listening = ListeningAddresses(address.Port!.Value);
            Assert.NotEmpty(listening);
            Assert.All(listening, a => Assert.Contains(a, new[] { "0100007F", "0000000000000000FFFF00000100007F" }));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Local addresses (hex, as /proc/net/tcp writes them) of IPv4 and IPv6 sockets listening on <paramref name="port"/>.</summary>
    internal static List<string> ListeningAddresses(int port)
    {
        var found = new List<string>();
        foreach (string table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            foreach (string line in File.ReadLines(table).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = f[1].Split(':');
                if (f[3] == "0A" && int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                    found.Add(local[0]);
            }
        }
        return found;
    }
}
