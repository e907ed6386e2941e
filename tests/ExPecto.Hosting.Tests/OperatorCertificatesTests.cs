using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using ExPecto.Testing;

namespace ExPecto.Hosting.Tests;

/// <summary>
/// The files an operator makes with deploy/tls/make-cluster-certs.sh (the openssl commands of docs/operations.md)
/// load as configured and make certificates the validator accepts; another run's CA is refused.
/// </summary>
public sealed class OperatorCertificatesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("expecto-openssl-").FullName;

    [Fact]
    public void Certificates_from_the_documented_openssl_commands_work_and_another_CA_is_refused()
    {
        string script = Path.Combine(TestPaths.RepoRoot, "deploy", "tls", "make-cluster-certs.sh");
        if (!OnPath("openssl") || !OnPath("bash"))
            Assert.Skip("openssl or bash is not installed");
        string cluster = Path.Combine(_dir, "cluster"), foreign = Path.Combine(_dir, "foreign");
        Run(script, cluster, "node-a");
        File.Copy(Path.Combine(cluster, "node.crt"), Path.Combine(_dir, "node-a.crt"));
        Run(script, cluster, "node-b"); // same CA (ca.key exists): a second member
        Run(script, foreign, "intruder"); // a CA of its own

        var options = new ClusterTlsOptions
        {
            Enabled = true,
            CertificatePath = Path.Combine(cluster, "node.pfx"),
            CertificatePasswordFile = Path.Combine(cluster, "node.pfx.password"),
            CaCertificatePath = Path.Combine(cluster, "ca.crt"),
        };
        var ssl = ClusterTls.SslOptions(options);
        Assert.Equal("CN=node-b", ssl.X509Certificate!.Subject);
        Assert.True(ssl.X509Certificate.HasPrivateKey);

        var validate = ssl.CustomValidator!;
        using var memberA = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_dir, "node-a.crt"));
        using var intruder = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(foreign, "node.crt"));
        Assert.True(validate(memberA, null, "node-a", SslPolicyErrors.RemoteCertificateChainErrors, NoLogger.Instance));
        Assert.True(validate(ssl.X509Certificate, null, "node-b", SslPolicyErrors.None, NoLogger.Instance));
        Assert.False(validate(intruder, null, "intruder", SslPolicyErrors.None, NoLogger.Instance));
    }

    private static void Run(string script, string outDir, string name)
    {
        var psi = new ProcessStartInfo("bash", [script, outDir, name]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "make-cluster-certs.sh did not finish in 60 s");
        Assert.True(p.ExitCode == 0, $"make-cluster-certs.sh failed ({p.ExitCode}): {err}");
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
