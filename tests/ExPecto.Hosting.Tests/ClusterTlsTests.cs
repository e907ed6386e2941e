using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ExPecto.Hosting.Tests;

/// <summary>
/// Mutual TLS on the remoting port: nodes holding a certificate of the cluster CA form a cluster; a node whose
/// certificate another CA signed, a node with a self-signed certificate and a node without TLS cannot join.
/// </summary>
public sealed class ClusterTlsTests : IDisposable
{
    private const string Password = "pfx-pass";
    private readonly string _dir = Directory.CreateTempSubdirectory("expecto-tls-").FullName;
    private readonly X509Certificate2 _ca = TestCertificates.CreateCa("expecto test cluster CA");
    private readonly X509Certificate2 _otherCa = TestCertificates.CreateCa("some other CA");
    private readonly List<IHost> _hosts = [];

    [Fact]
    public async Task Nodes_with_the_cluster_CA_join_and_nodes_without_it_cannot()
    {
        var ct = TestContext.Current.CancellationToken;
        string caFile = TestCertificates.WritePem(_dir, "ca", _ca);
        var (seed, seedLog) = await StartAsync(Tls("seed", _ca, caFile), seeds: null);
        var seedCluster = Akka.Cluster.Cluster.Get(seed);
        await WaitUntilAsync(() => seedCluster.SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(30), "the TLS seed to come up", ct);
        string seedAddress = seedCluster.SelfAddress.ToString();
        Assert.StartsWith("akka.ssl.tcp://", seedAddress);

        // A second node with a certificate of the cluster CA: joins.
        var (good, _) = await StartAsync(Tls("good", _ca, caFile), seedAddress);
        await WaitUntilAsync(() => UpMembers(seed) == 2 && UpMembers(good) == 2, TimeSpan.FromSeconds(45), "the node with a cluster certificate to join", ct);

        // Intruders, all trusting the cluster CA themselves so that only the seed's check of *their* certificate
        // can keep them out: one signed by another CA, one self-signed; and one without TLS at all.
        var (foreign, _) = await StartAsync(Tls("foreign", _otherCa, caFile), seedAddress);
        var (selfSigned, _) = await StartAsync(Tls("self-signed", null, caFile), seedAddress);
        var plain = new ClusterNodeOptions { Port = 0, Seeds = seedAddress.Replace("akka.ssl.tcp://", "akka.tcp://", StringComparison.Ordinal) };
        var (plaintext, _) = await StartAsync(plain, plain.Seeds);

        // Several join attempts' worth of time (seed-node-timeout is 5 s).
        await Task.Delay(TimeSpan.FromSeconds(12), ct);
        foreach (var intruder in new[] { foreign, selfSigned, plaintext })
        {
            var address = Akka.Cluster.Cluster.Get(intruder).SelfAddress;
            Assert.DoesNotContain(seedCluster.State.Members, m => m.Address == address);
            Assert.NotEqual(MemberStatus.Up, Akka.Cluster.Cluster.Get(intruder).SelfMember.Status);
        }
        Assert.Equal(2, UpMembers(seed));
        Assert.Equal(2, UpMembers(good));

        // And they were kept out by the certificate check, not by chance.
        Assert.Contains(seedLog, l => l.Contains("CN=foreign", StringComparison.Ordinal) && l.Contains("does not chain to the cluster CA", StringComparison.Ordinal));
        Assert.Contains(seedLog, l => l.Contains("CN=self-signed", StringComparison.Ordinal) && l.Contains("does not chain to the cluster CA", StringComparison.Ordinal));
        Assert.DoesNotContain(seedLog, l => l.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public void The_validator_accepts_only_certificates_of_the_cluster_CA_within_their_validity()
    {
        var validate = ClusterTls.PeerValidator(_ca);
        using var member = TestCertificates.CreateLeaf("member", _ca);
        using var foreign = TestCertificates.CreateLeaf("foreign", _otherCa);
        using var selfSigned = TestCertificates.CreateLeaf("self", null);
        using var expired = TestCertificates.CreateLeaf("expired", _ca, DateTimeOffset.UtcNow.AddHours(-1));

        Assert.True(validate(member, null, "peer", SslPolicyErrors.RemoteCertificateChainErrors, NoLogger.Instance));
        Assert.False(validate(foreign, null, "peer", SslPolicyErrors.None, NoLogger.Instance));
        Assert.False(validate(selfSigned, null, "peer", SslPolicyErrors.None, NoLogger.Instance));
        Assert.False(validate(expired, null, "peer", SslPolicyErrors.None, NoLogger.Instance));
        Assert.False(validate(null, null, "peer", SslPolicyErrors.RemoteCertificateNotAvailable, NoLogger.Instance));
        // The CA certificate itself chains to the CA; presenting it needs the CA key, which no node may hold (docs/operations.md).
        Assert.True(validate(_ca, null, "peer", SslPolicyErrors.None, NoLogger.Instance));
    }

    [Fact]
    public void Pinned_thumbprints_narrow_the_CA_to_listed_certificates()
    {
        using var listed = TestCertificates.CreateLeaf("listed", _ca);
        using var unlisted = TestCertificates.CreateLeaf("unlisted", _ca);
        var pins = ClusterTls.ParseThumbprints(string.Join(':', listed.Thumbprint.ToLowerInvariant().Chunk(2).Select(c => new string(c))) + ", ");
        var validate = ClusterTls.PeerValidator(_ca, pins);

        Assert.True(validate(listed, null, "peer", SslPolicyErrors.None, NoLogger.Instance));
        Assert.False(validate(unlisted, null, "peer", SslPolicyErrors.None, NoLogger.Instance));
    }

    [Fact]
    public void Files_load_with_the_password_from_a_file_and_bad_input_names_the_file_without_the_password()
    {
        using var member = TestCertificates.CreateLeaf("member", _ca);
        string pfx = TestCertificates.WritePfx(_dir, "member", member, Password);
        string passwordFile = Path.Combine(_dir, "password");
        File.WriteAllText(passwordFile, Password + "\n");
        var options = new ClusterTlsOptions { Enabled = true, CertificatePath = pfx, CertificatePasswordFile = passwordFile, CaCertificatePath = TestCertificates.WritePem(_dir, "ca", _ca) };

        var ssl = ClusterTls.SslOptions(options);
        Assert.Equal(member.Thumbprint, ssl.X509Certificate!.Thumbprint);
        Assert.True(ssl.X509Certificate.HasPrivateKey);
        Assert.True(ssl.RequireMutualAuthentication);
        Assert.NotNull(ssl.CustomValidator);

        var wrong = new ClusterTlsOptions { Enabled = true, CertificatePath = pfx, CertificatePassword = "not-the-password", CaCertificatePath = options.CaCertificatePath };
        var e = Assert.Throws<ExPecto.Core.InputException>(() => ClusterTls.SslOptions(wrong));
        Assert.Contains(pfx, e.Message);
        Assert.DoesNotContain("not-the-password", e.Message);

        var missing = Assert.Throws<ExPecto.Core.InputException>(() => ClusterTls.SslOptions(new ClusterTlsOptions { Enabled = true, CaCertificatePath = options.CaCertificatePath }));
        Assert.Contains("CertificatePath", missing.Message);
    }

    private ClusterNodeOptions Tls(string name, X509Certificate2? issuer, string caFile)
    {
        using var leaf = TestCertificates.CreateLeaf(name, issuer);
        return new ClusterNodeOptions
        {
            Port = 0,
            Tls = new ClusterTlsOptions
            {
                Enabled = true,
                CertificatePath = TestCertificates.WritePfx(_dir, name, leaf, Password),
                CertificatePassword = Password,
                CaCertificatePath = caFile,
            },
        };
    }

    /// <summary>Starts a node (roles "member") and collects its warnings and errors.</summary>
    private async Task<(ActorSystem System, ConcurrentQueue<string> Log)> StartAsync(ClusterNodeOptions options, string? seeds)
    {
        options.Seeds = seeds ?? "";
        options.DowningStableAfter = TimeSpan.FromSeconds(5);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var log = new ConcurrentQueue<string>();
        builder.Services.AddAkka(options.SystemName, (akka, _) => akka
            .WithExPectoCluster(options, "member")
            .AddStartup((system, _) =>
            {
                var collector = system.ActorOf(Props.Create(() => new LogCollector(log)));
                system.EventStream.Subscribe(collector, typeof(Warning));
                system.EventStream.Subscribe(collector, typeof(Error));
            }));
        var host = builder.Build();
        _hosts.Add(host);
        await host.StartAsync(TestContext.Current.CancellationToken);
        return (host.Services.GetRequiredService<ActorSystem>(), log);
    }

    private static int UpMembers(ActorSystem system) => Akka.Cluster.Cluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up);

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"timed out after {timeout.TotalSeconds:F0} s waiting for {what}");
            await Task.Delay(200, ct);
        }
    }

    public void Dispose()
    {
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            try
            {
                host.StopAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                // A node that never joined may complain while leaving; the test's verdict is already made.
            }
            host.Dispose();
        }
        _ca.Dispose();
        _otherCa.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private sealed class LogCollector : ReceiveActor
    {
        public LogCollector(ConcurrentQueue<string> log) => Receive<LogEvent>(e => log.Enqueue(e.ToString()));
    }
}
