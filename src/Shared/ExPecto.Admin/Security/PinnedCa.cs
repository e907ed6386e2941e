using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ExPecto.Admin.Security;

/// <summary>
/// The admin client's trust in an HTTPS endpoint: the node's certificate must chain to the cluster CA, the only trust
/// anchor (the machine's root store is ignored, so a publicly signed certificate is refused). As for remoting
/// (ExPecto.Hosting.ClusterTls), identity is "signed by the cluster CA", not a host name: pods are dialled by IP,
/// by 127.0.0.1 from their own hooks, and by changing DNS names.
/// </summary>
public static class PinnedCa
{
    /// <summary>The CA certificate from a PEM or DER file; a bad file is one line naming it.</summary>
    public static X509Certificate2 Load(string path)
    {
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new Client.AdminClientException(Client.AdminCli.ExitUsage, $"cannot read the CA certificate {path}: expected one X.509 certificate (PEM or DER): {e.Message}");
        }
    }

    /// <summary>Whether <paramref name="certificate"/> is within its validity and chains to <paramref name="ca"/>.</summary>
    public static bool Trusts(X509Certificate2 ca, X509Certificate2? certificate, X509Chain? presented) =>
        certificate is not null && ChainsTo(ca, certificate, presented, out _);

    /// <summary>
    /// The one chain check of the project (admin HTTPS here, Akka.Remote in ExPecto.Hosting.ClusterTls): true when
    /// <paramref name="certificate"/> is within its validity and its chain, built with <paramref name="ca"/> as the
    /// only root, ends at <paramref name="ca"/>; otherwise <paramref name="why"/> says what the chain builder found.
    /// </summary>
    public static bool ChainsTo(X509Certificate2 ca, X509Certificate2 certificate, X509Chain? presented, out string why)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        // A private cluster CA has no CRL or OCSP: revocation is re-issuing the CA (docs/operations.md, "TLS").
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        bool built = chain.Build(certificate);
        var root = chain.ChainElements.Count > 0 ? chain.ChainElements[^1].Certificate : null;
        if (built && root is not null && root.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span))
        {
            why = "";
            return true;
        }
        why = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0));
        if (why.Length == 0)
            why = "untrusted";
        return false;
    }

    /// <summary>An HTTP handler that accepts only servers <see cref="Trusts"/> approves of.</summary>
    public static HttpMessageHandler Handler(X509Certificate2 ca) => new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                Trusts(ca, certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData())), chain),
        },
    };
}
