using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using ExPecto.Admin.Client;
using ExPecto.Admin.Hosting;
using ExPecto.Admin.Protocol;
using ExPecto.Admin.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ExPecto.Admin.Tests;

/// <summary>
/// The admin token never reaches a log or a reply: every log event of the endpoint (ASP.NET Core's included, at
/// Trace) and every answer is captured across accepted, refused and malformed requests and searched for it.
/// </summary>
public sealed class TokenLeakTests : IAsyncLifetime
{
    private const string Token = "leak-canary-Xq7vT2pLm9RfW4";
    private const string WrongToken = "wrong-canary-Hs3kZ8nBc1YdE6";
    private readonly CapturingLoggerProvider _logs = new();
    private ActorSystem _system = null!;
    private AdminServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _system = LoopbackCluster.NewSystem();
        await Cluster.Get(_system).JoinAsync(Cluster.Get(_system).SelfAddress, TestContext.Current.CancellationToken);
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(_logs));
        _server = await AdminServer.StartAsync(() => _system, new AdminOptions { Endpoint = "127.0.0.1:0", Token = Token },
            AdminServer.StandardPalettes(null, null, null, null), factory, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _system.Terminate();
    }

    [Fact]
    public async Task No_request_puts_the_token_in_a_log_line_or_an_answer()
    {
        string endpoint = _server.LoopbackEndpoint;
        var answers = new List<string>();
        async Task Cli(params string[] args)
        {
            var run = await Support.Cli.AdminAsync([endpoint, .. args]);
            answers.Add(run.Out + run.Err);
        }

        // Through the client: accepted, refused (no token, wrong token), read-only with a token, unknown commands.
        await Cli("cluster", "down-unreachable", "--token-file", Support.Cli.TokenFile(Token));
        await Cli("cluster", "down-unreachable");
        await Cli("cluster", "down-unreachable", "--token-file", Support.Cli.TokenFile(WrongToken));
        await Cli("cluster", "show", "--token-file", Support.Cli.TokenFile(Token));
        await Cli("cluster", "no-such-command", "--token-file", Support.Cli.TokenFile(Token));
        await Cli("no-such-palette", "x", "--token-file", Support.Cli.TokenFile(WrongToken));
        await Cli("cluster", "down", "not-an-address", "--token-file", Support.Cli.TokenFile(Token));

        // Raw HTTP: malformed Authorization headers and bodies that carry the tokens.
        using var http = new HttpClient { BaseAddress = new Uri($"http://{endpoint}") };
        StringContent Ok() => JsonBody("{\"palette\":\"cluster\",\"command\":\"down-unreachable\",\"args\":[]}");
        answers.Add(await SendAsync(http, Ok(), "Token " + Token));
        answers.Add(await SendAsync(http, Ok(), "Bearer  " + WrongToken + " trailing"));
        answers.Add(await SendAsync(http, Ok(), "bearer " + WrongToken.ToUpperInvariant()));
        answers.Add(await SendAsync(http, JsonBody("{not json " + Token), "Bearer " + Token));
        answers.Add(await SendAsync(http, Ok(), "Bearer " + WrongToken, withBodyToken: true));
        using (var list = new HttpRequestMessage(HttpMethod.Get, AdminWire.CommandsPath))
        {
            list.Headers.TryAddWithoutValidation("Authorization", "Bearer " + WrongToken);
            var response = await http.SendAsync(list, TestContext.Current.CancellationToken);
            answers.Add(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        var lines = _logs.Lines.ToList();
        // The capture works: the accepted command and the refusals were logged...
        Assert.Contains(lines, l => l.Contains("admin command cluster down-unreachable", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("admin token refused", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.Contains(answers, a => a.Contains("admin token refused", StringComparison.Ordinal));
        // ...and neither token, nor a recognisable piece of it, is in any of it.
        foreach (string secret in new[] { Token, WrongToken, Token[^12..], WrongToken[^12..] })
        {
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(answers, a => a.Contains(secret, StringComparison.OrdinalIgnoreCase));
        }
    }

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string> SendAsync(HttpClient http, StringContent body, string authorization, bool withBodyToken = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, AdminWire.ExecPath) { Content = body };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (withBodyToken)
            request.Headers.TryAddWithoutValidation("X-Admin-Token", Token);
        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture) + " " + text;
    }

    [Fact]
    public void The_endpoint_defaults_to_loopback()
    {
        var (address, port) = AdminServer.ParseEndpoint(new AdminOptions().Endpoint);

        Assert.True(IPAddress.IsLoopback(address), $"default admin endpoint {address} is not loopback");
        Assert.Equal(9110, port);
    }

    /// <summary>Every event, formatted, with its category, exception and structured values.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Capturing(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Capturing(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull
            {
                lines.Enqueue(category + " scope: " + Describe(state));
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} | {Describe(state)} | {exception}");

            private static string Describe(object? state) =>
                state is IEnumerable<KeyValuePair<string, object?>> values
                    ? string.Join("; ", values.Select(v => v.Key + "=" + v.Value))
                    : state?.ToString() ?? "";
        }
    }
}
