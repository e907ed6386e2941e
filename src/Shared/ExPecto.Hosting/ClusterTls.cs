using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Hosting;
using Akka.Remote.Transport.DotNetty;
using ExPecto.Admin.Security;
using ExPecto.Core;

namespace ExPecto.Hosting;

/// <summary>
/// Mutual TLS for Akka.Remote (DotNetty): loads the node's PFX and the cluster CA from files and validates every
/// peer, in both directions, against that CA only. Akka's own chain check trusts the machine's root store, which
/// would admit any publicly signed certificate; pinning the cluster CA is what keeps foreign nodes out.
/// </summary>
public static class ClusterTls
{
    /// <summary>The Akka.Remote.Hosting SSL settings for <paramref name="options"/>: our certificate, client certificates required, our validator.</summary>
    public static SslOptions SslOptions(ClusterTlsOptions options)
    {
        var certificate = LoadCertificate(options);
        var ca = LoadCa(options);
        return new SslOptions
        {
            X509Certificate = certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            // Identity is "signed by the cluster CA", not a DNS name: pods' names change, and peers are dialled by IP too.
            ValidateCertificateHostname = false,
            CustomValidator = PeerValidator(ca, ParseThumbprints(options.AllowedThumbprints)),
        };
    }

    /// <summary>
    /// The certificate the admin console serves HTTPS with: the node's cluster certificate when TLS is enabled (so
    /// the admin token is never sent in clear where remoting is protected), else null (plain HTTP).
    /// </summary>
    public static X509Certificate2? AdminCertificate(ClusterTlsOptions options) => options.Enabled ? LoadCertificate(options) : null;

    /// <summary>This node's certificate with its private key, from the PKCS#12 file.</summary>
    public static X509Certificate2 LoadCertificate(ClusterTlsOptions options)
    {
        string path = Require(options.CertificatePath, "Cluster:Tls:CertificatePath (EXPECTO_CLUSTER__TLS__CERTIFICATEPATH)");
        string? password = options.CertificatePassword;
        if (!string.IsNullOrEmpty(options.CertificatePasswordFile))
        {
            if (!File.Exists(options.CertificatePasswordFile))
                throw new InputException(options.CertificatePasswordFile, null, "expected the TLS certificate password file, found no such file");
            password = File.ReadAllText(options.CertificatePasswordFile).TrimEnd('\r', '\n');
        }
        if (!File.Exists(path))
            throw new InputException(path, null, "expected the node's TLS certificate (PKCS#12 with private key), found no such file");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            // The message says whether the password or the format is wrong; it never contains the password.
            throw new InputException(path, null, $"expected a PKCS#12 file readable with the configured password, found: {e.Message}");
        }
        if (!certificate.HasPrivateKey)
            throw new InputException(path, null, "expected a certificate with its private key, found a certificate without one");
        return certificate;
    }

    /// <summary>The cluster CA certificate (PEM or DER).</summary>
    public static X509Certificate2 LoadCa(ClusterTlsOptions options)
    {
        string path = Require(options.CaCertificatePath, "Cluster:Tls:CaCertificatePath (EXPECTO_CLUSTER__TLS__CACERTIFICATEPATH)");
        if (!File.Exists(path))
            throw new InputException(path, null, "expected the cluster CA certificate (PEM or DER), found no such file");
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new InputException(path, null, $"expected one X.509 certificate (PEM or DER), found: {e.Message}");
        }
    }

    /// <summary>
    /// Accepts a peer certificate only when it chains to <paramref name="ca"/> (the sole trust anchor; the system
    /// store is ignored), is within its validity period, and, when <paramref name="thumbprints"/> is not empty,
    /// is one of them. Used on both ends: servers check clients, clients check servers.
    /// </summary>
    public static CertificateValidationCallback PeerValidator(X509Certificate2 ca, IReadOnlySet<string>? thumbprints = null)
    {
        return (certificate, presented, peer, _, log) =>
        {
            if (certificate is null)
            {
                log.Warning("TLS: peer {0} presented no certificate; refused", peer);
                return false;
            }
            if (!PinnedCa.ChainsTo(ca, certificate, presented, out string why))
            {
                log.Warning("TLS: peer {0} certificate {1} (issuer {2}) does not chain to the cluster CA {3}: {4}; refused",
                    peer, certificate.Subject, certificate.Issuer, ca.Subject, why);
                return false;
            }
            if (thumbprints is { Count: > 0 } && !thumbprints.Contains(certificate.Thumbprint.ToUpperInvariant()))
            {
                log.Warning("TLS: peer {0} certificate {1} (thumbprint {2}) is not in Cluster:Tls:AllowedThumbprints; refused", peer, certificate.Subject, certificate.Thumbprint);
                return false;
            }
            return true;
        };
    }

    /// <summary>Comma-separated hex thumbprints, upper-cased, separators (spaces, colons) removed.</summary>
    public static IReadOnlySet<string> ParseThumbprints(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => new string(t.Where(Uri.IsHexDigit).ToArray()).ToUpperInvariant())
            .Where(t => t.Length > 0)
            .ToHashSet(StringComparer.Ordinal);

    private static string Require(string? value, string name) =>
        string.IsNullOrWhiteSpace(value)
            ? throw new InputException($"Cluster TLS is enabled but {name} is not set")
            : value;
}
