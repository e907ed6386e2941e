using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ExPecto.Admin.Protocol;

namespace ExPecto.Admin.Client;

/// <summary>A failed admin call, already phrased as the one line to show, with the exit code it maps to.</summary>
public sealed class AdminClientException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// HTTP client for one node's admin endpoint (<c>host:port</c> or a full http:// or https:// URL). With a CA
/// (<see cref="Security.PinnedCa"/>) a bare host:port means HTTPS and the node must present a certificate of that CA.
/// </summary>
public sealed class AdminClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _endpoint;

    public AdminClient(string endpoint, string? token, HttpMessageHandler? handler = null)
        : this(endpoint, token, handler, ca: null)
    {
    }

    public AdminClient(string endpoint, string? token, System.Security.Cryptography.X509Certificates.X509Certificate2? ca)
        : this(endpoint, token, ca is null ? null : Security.PinnedCa.Handler(ca), ca)
    {
    }

    private AdminClient(string endpoint, string? token, HttpMessageHandler? handler, System.Security.Cryptography.X509Certificates.X509Certificate2? ca)
    {
        _endpoint = endpoint;
        var baseUri = endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : $"{(ca is null ? "http" : "https")}://{endpoint}";
        if (!Uri.TryCreate(baseUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new AdminClientException(AdminCli.ExitUsage, $"expected an admin endpoint like {AdminOptions.DefaultEndpoint}, found '{endpoint}'");
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = uri;
        // Streams (cluster tail) run until the user stops them; each call passes its own cancellation.
        _http.Timeout = Timeout.InfiniteTimeSpan;
        if (token is not null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public async Task<IReadOnlyList<AdminPaletteInfo>> GetCommandsAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, AdminWire.CommandsPath), cancellationToken);
        return await response.Content.ReadFromJsonAsync<List<AdminPaletteInfo>>(AdminWire.Json, cancellationToken)
            ?? throw new AdminClientException(AdminCli.ExitFailure, "the node sent an empty command list");
    }

    /// <summary>Runs a command and yields each result line as it arrives.</summary>
    public async IAsyncEnumerable<AdminResult> ExecuteAsync(AdminRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, AdminWire.ExecPath) { Content = JsonContent.Create(request, options: AdminWire.Json) },
            cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
                continue;
            var result = JsonSerializer.Deserialize<AdminResult>(line, AdminWire.Json)
                ?? throw new AdminClientException(AdminCli.ExitFailure, "the node sent an empty result line");
            if (result.Error is not null)
                throw new AdminClientException(AdminCli.ExitFailure, result.Error);
            yield return result;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            using var request = create();
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            // Nothing was sent: the token never left this process.
            throw new AdminClientException(AdminCli.ExitFailure,
                $"TLS with the admin endpoint {_endpoint} failed: {e.InnerException?.Message ?? e.Message}; an HTTPS node must present a certificate of the cluster CA given by --ca (or {AdminOptions.CaFileEnvironmentVariable})");
        }
        catch (HttpRequestException e)
        {
            throw new AdminClientException(AdminCli.ExitFailure, $"cannot reach the admin endpoint {_endpoint}: {e.Message}");
        }
        if (response.IsSuccessStatusCode)
            return response;
        using (response)
        {
            string message;
            try
            {
                message = (await response.Content.ReadFromJsonAsync<AdminError>(AdminWire.Json, cancellationToken))?.Error ?? response.ReasonPhrase ?? "error";
            }
            catch (Exception e) when (e is JsonException or NotSupportedException)
            {
                message = $"the node answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
            }
            throw new AdminClientException(ExitCodeFor(response.StatusCode), message);
        }
    }

    private static int ExitCodeFor(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => AdminCli.ExitUsage,
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => AdminCli.ExitRefused,
        _ => AdminCli.ExitFailure,
    };

    public void Dispose() => _http.Dispose();
}
