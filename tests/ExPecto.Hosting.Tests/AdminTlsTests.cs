using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using ExPecto.Admin.Client;
using ExPecto.Admin.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ExPecto.Hosting.Tests;

/// <summary>
/// With remoting TLS configured, a node's admin console serves HTTPS with the same certificate (wired as every role
/// wires it: <see cref="ClusterTls.AdminCertificate"/>); `expecto admin --ca` pins the cluster CA, the token works
/// over it, and a client that does not trust that CA, trusts another one, or speaks plain HTTP gets nowhere.
/// </summary>
public sealed class AdminTlsTests : IDisposable
{
    private const string Token = "tls-admin-token-0815";
    private const string Password = "pfx-pass";
    private readonly string _dir = Directory.CreateTempSubdirectory("expecto-admin-tls-").FullName;
    private readonly X509Certificate2 _ca = TestCertificates.CreateCa("expecto admin test CA");
    private readonly X509Certificate2 _otherCa = TestCertificates.CreateCa("another CA");
    private IHost? _host;

    [Fact]
    public async Task The_console_serves_https_with_the_cluster_certificate_and_only_clients_pinning_the_CA_get_through()
    {
        var ct = TestContext.Current.CancellationToken;
        string caFile = TestCertificates.WritePem(_dir, "ca", _ca);
        string otherCaFile = TestCertificates.WritePem(_dir, "other-ca", _otherCa);
        string tokenFile = Path.Combine(_dir, "token");
        File.WriteAllText(tokenFile, Token + "\n");
        string wrongTokenFile = Path.Combine(_dir, "wrong-token");
        File.WriteAllText(wrongTokenFile, "not-the-token\n");
        using var leaf = TestCertificates.CreateLeaf("node", _ca);
        var cluster = new ClusterNodeOptions
        {
            Port = 0,
            Tls = new ClusterTlsOptions
            {
                Enabled = true,
                CertificatePath = TestCertificates.WritePfx(_dir, "node", leaf, Password),
                CertificatePassword = Password,
                CaCertificatePath = caFile,
            },
        };

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddAkka(cluster.SystemName, (akka, _) => akka.WithExPectoCluster(cluster, "member"));
        builder.Services.AddExPectoAdmin(configure: o =>
        {
            o.Endpoint = "127.0.0.1:0";
            o.Token = Token;
        }, certificate: ClusterTls.AdminCertificate(cluster.Tls));
        _host = builder.Build();
        await _host.StartAsync(ct);
        var server = _host.Services.GetRequiredService<AdminServerHandle>().Server!;
        Assert.True(server.Https);
        Assert.StartsWith("https://127.0.0.1:", server.LoopbackEndpoint);
        var system = _host.Services.GetRequiredService<ActorSystem>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Akka.Cluster.Cluster.Get(system).SelfMember.Status != MemberStatus.Up && DateTime.UtcNow < deadline)
            await Task.Delay(100, ct);
        string bare = $"127.0.0.1:{server.Port}";

        // Pinned to the cluster CA, a bare host:port means HTTPS: read-only and, with the token, mutating commands work.
        var show = await AdminAsync(bare, "cluster", "show", "--ca", caFile);
        Assert.True(show.Code == 0, show.Err);
        Assert.Contains("akka.ssl.tcp://", show.Out);
        var mutating = await AdminAsync(bare, "cluster", "down-unreachable", "--ca", caFile, "--token-file", tokenFile);
        Assert.True(mutating.Code == 0, mutating.Err);
        var wrongToken = await AdminAsync(bare, "cluster", "down-unreachable", "--ca", caFile, "--token-file", wrongTokenFile);
        Assert.Equal(AdminCli.ExitRefused, wrongToken.Code);

        // Not trusting the cluster CA (the machine's roots only), or trusting another CA: the handshake fails, so
        // nothing, the token least of all, is sent.
        foreach (var untrusting in new[]
                 {
                     await AdminAsync(server.LoopbackEndpoint, "cluster", "down-unreachable", "--token-file", tokenFile),
                     await AdminAsync(bare, "cluster", "down-unreachable", "--ca", otherCaFile, "--token-file", tokenFile),
                 })
        {
            Assert.Equal(AdminCli.ExitFailure, untrusting.Code);
            Assert.Contains("TLS with the admin endpoint", untrusting.Err);
            Assert.DoesNotContain(Token, untrusting.Err);
        }

        // Plain HTTP to the HTTPS port gets no answer a client could take for the console's.
        var plain = await AdminAsync($"http://{bare}", "cluster", "show");
        Assert.NotEqual(0, plain.Code);
    }

    private static async Task<(int Code, string Out, string Err)> AdminAsync(params string[] tokens)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await AdminCli.RunAsync(tokens, new StringReader(""), stdout, stderr, TestContext.Current.CancellationToken);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        if (_host is not null)
        {
            try
            {
                _host.StopAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                // Shutting down a one-node cluster may complain; the verdict is already made.
            }
            _host.Dispose();
        }
        _ca.Dispose();
        _otherCa.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
