using System.Globalization;
using System.Net;
using System.Text.Json;
using Akka.Actor;
using ExPecto.Admin.Contracts;
using ExPecto.Admin.Palettes;
using ExPecto.Admin.Protocol;
using ExPecto.Admin.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ExPecto.Admin.Hosting;

/// <summary>
/// The node's admin console and health endpoints on their own Kestrel listener (<see cref="AdminOptions.Endpoint"/>).
/// Start one per ActorSystem, either directly (<see cref="StartAsync(ActorSystem, AdminOptions, IJobAdmin?, IWorkerAdmin?, IScheduleAdmin?, IEnumerable{IAdminPalette}?, CancellationToken)"/>)
/// or through the generic host (<see cref="AdminServiceCollectionExtensions.AddExPectoAdmin"/>).
/// </summary>
public sealed class AdminServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AdminServer(WebApplication app, int port, IReadOnlyList<IAdminPalette> palettes, bool https)
    {
        _app = app;
        Port = port;
        Palettes = palettes;
        Https = https;
    }

    /// <summary>Whether the endpoint serves HTTPS (<see cref="AdminOptions.Certificate"/>).</summary>
    public bool Https { get; }

    /// <summary>The port actually bound (useful when the endpoint asked for port 0).</summary>
    public int Port { get; }

    /// <summary>host:port a client on this machine uses: <c>127.0.0.1:&lt;port&gt;</c>.</summary>
    public string LoopbackEndpoint => $"{(Https ? "https://" : "")}127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public IReadOnlyList<IAdminPalette> Palettes { get; }

    /// <summary>
    /// Serves <c>cluster</c> and <c>cluster-sharding</c>, plus <c>job</c>, <c>workers</c> and <c>schedule</c> for the
    /// handlers given, plus any <paramref name="extraPalettes"/>.
    /// </summary>
    public static Task<AdminServer> StartAsync(
        ActorSystem system,
        AdminOptions options,
        IJobAdmin? jobs = null,
        IWorkerAdmin? workers = null,
        IScheduleAdmin? schedules = null,
        IEnumerable<IAdminPalette>? extraPalettes = null,
        CancellationToken cancellationToken = default)
    {
        var palettes = StandardPalettes(
            jobs is null ? null : () => jobs,
            workers is null ? null : () => workers,
            schedules is null ? null : () => schedules,
            extraPalettes);
        return StartAsync(() => system, options, palettes, null, cancellationToken);
    }

    /// <summary>The built-in palettes, with the handler-backed ones only where a handler exists.</summary>
    public static IReadOnlyList<IAdminPalette> StandardPalettes(
        Func<IJobAdmin>? jobs, Func<IWorkerAdmin>? workers, Func<IScheduleAdmin>? schedules, IEnumerable<IAdminPalette>? extra)
    {
        var list = new List<IAdminPalette> { new ClusterPalette(), new ClusterShardingPalette() };
        if (jobs is not null)
            list.Add(new JobPalette(jobs));
        if (workers is not null)
            list.Add(new WorkersPalette(workers));
        if (schedules is not null)
            list.Add(new SchedulePalette(schedules));
        list.AddRange(extra ?? []);
        var duplicate = list.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"admin palette '{duplicate.Key}' is registered twice");
        return list;
    }

    /// <summary>The general form: the ActorSystem is looked up per request (null while the host is starting).</summary>
    public static async Task<AdminServer> StartAsync(
        ActorSystemAccessor system,
        AdminOptions options,
        IReadOnlyList<IAdminPalette> palettes,
        ILoggerFactory? loggerFactory,
        CancellationToken cancellationToken)
    {
        var (address, port) = ParseEndpoint(options.Endpoint);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
            builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, port, listen =>
        {
            if (options.Certificate is { } certificate)
                listen.UseHttps(certificate);
        }));
        builder.Services.AddHealthChecks()
            .AddCheck("actor-system", new ActorSystemAliveCheck(system), tags: ["live"])
            .AddCheck("cluster-member-up", new ClusterMemberUpCheck(system), tags: ["ready"]);
        var app = builder.Build();

        var console = new AdminConsoleEndpoint(system, options, palettes, new AdminTokenSource(options),
            (loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("ExPecto.Admin"));
        app.MapHealthChecks(AdminWire.LivenessPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks(AdminWire.ReadinessPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapGet(AdminWire.CommandsPath, console.ListAsync);
        app.MapPost(AdminWire.ExecPath, console.ExecuteAsync);
        app.MapGet(AdminWire.MetricsPath, console.MetricsAsync);

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a).Port).First();
        return new AdminServer(app, bound, palettes, options.Certificate is not null);
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>"host:port" → listen address; host may be an IP, "localhost" or "*" (all interfaces).</summary>
    public static (IPAddress Address, int Port) ParseEndpoint(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            throw new FormatException($"admin endpoint: expected host:port such as {AdminOptions.DefaultEndpoint}, found '{endpoint}'");
        var host = endpoint[..colon].Trim('[', ']');
        var address = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "+" => IPAddress.Any,
            _ when IPAddress.TryParse(host, out var ip) => ip,
            _ => throw new FormatException($"admin endpoint: expected an IP address, localhost or *, found '{host}'"),
        };
        return (address, port);
    }
}

/// <summary>The two console routes: authorisation, dispatch and NDJSON streaming.</summary>
internal sealed class AdminConsoleEndpoint(
    ActorSystemAccessor system,
    AdminOptions options,
    IReadOnlyList<IAdminPalette> palettes,
    AdminTokenSource tokens,
    ILogger logger)
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    public async Task ListAsync(HttpContext context)
    {
        if (!await AuthorizeAsync(context, mutating: false, "listing commands"))
            return;
        var catalogue = palettes.Select(p => new AdminPaletteInfo(p.Name, p.Description, p.Commands.Select(c => c.Info).ToList())).ToList();
        await context.Response.WriteAsJsonAsync(catalogue, AdminWire.Json, context.RequestAborted);
    }

    /// <summary>
    /// The process's metrics in the Prometheus text format, rendered by prometheus-net from its default registry:
    /// what each role registered (expecto_*) plus the process_* and dotnet_* collectors and the runtime's meters.
    /// </summary>
    public async Task MetricsAsync(HttpContext context)
    {
        if (!options.MetricsWithoutToken && !await AuthorizeAsync(context, mutating: false, "reading metrics"))
            return;
        context.Response.ContentType = Prometheus.PrometheusConstants.TextContentTypeWithVersionAndEncoding;
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }

    public async Task ExecuteAsync(HttpContext context)
    {
        AdminRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<AdminRequest>(AdminWire.Json, context.RequestAborted);
        }
        catch (JsonException)
        {
            request = null;
        }
        if (request is null || string.IsNullOrWhiteSpace(request.Palette))
        {
            await FailAsync(context, AdminException.BadRequest("expected a JSON body {palette, command, args}"));
            return;
        }

        var palette = palettes.FirstOrDefault(p => p.Name == request.Palette);
        if (palette is null)
        {
            await FailAsync(context, AdminException.BadRequest(
                $"unknown palette '{request.Palette}'; palettes on this node: {string.Join(", ", palettes.Select(p => p.Name))}"));
            return;
        }
        var commandName = string.IsNullOrEmpty(request.Command) && palette.Commands.Any(c => c.Info.Name == "list") ? "list" : request.Command;
        var command = palette.Commands.FirstOrDefault(c => c.Info.Name == commandName);
        if (command is null)
        {
            var what = string.IsNullOrEmpty(commandName) ? "missing command" : $"unknown command '{palette.Name} {commandName}'";
            await FailAsync(context, AdminException.BadRequest(
                $"{what}; commands: {string.Join(", ", palette.Commands.Select(c => c.Info.Name))}"));
            return;
        }
        if (!await AuthorizeAsync(context, command.Info.Mutating, $"'{palette.Name} {command.Info.Name}'"))
            return;

        var actorSystem = system();
        if (actorSystem is null || actorSystem.WhenTerminated.IsCompleted)
        {
            await FailAsync(context, AdminException.Unavailable("the actor system of this node is not running"));
            return;
        }

        if (command.Info.Mutating)
            logger.LogInformation("admin command {Palette} {Command} from {Remote}", palette.Name, command.Info.Name, context.Connection.RemoteIpAddress);
        var invocation = new AdminInvocation(actorSystem, command.Info, request.Args ?? [], request.Files ?? new Dictionary<string, string>(), options.AskTimeout);
        var ct = context.RequestAborted;
        await using var results = command.Handler(invocation, ct).GetAsyncEnumerator(ct);

        // The status line is decided by the first result: errors before it are HTTP errors, later ones are a last line.
        bool any;
        try
        {
            any = await results.MoveNextAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await FailAsync(context, Classify(e, palette.Name, command.Info.Name));
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = AdminWire.NdJson;
        while (any)
        {
            await WriteLineAsync(context, results.Current, ct);
            try
            {
                any = await results.MoveNextAsync();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                await WriteLineAsync(context, new AdminResult(Error: Classify(e, palette.Name, command.Info.Name).Message), ct);
                return;
            }
        }
    }

    private AdminException Classify(Exception e, string palette, string command)
    {
        if (e is AdminException admin)
            return admin;
        if (e is TimeoutException or AskTimeoutException)
            return AdminException.Unavailable($"{palette} {command}: timed out ({e.Message})");
        logger.LogError(e, "admin command {Palette} {Command} failed", palette, command);
        return new AdminException(AdminErrorKind.Unavailable, $"{palette} {command} failed: {e.GetType().Name}: {FirstLine(e.Message)}");
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();

    private async Task<bool> AuthorizeAsync(HttpContext context, bool mutating, string what)
    {
        var remote = context.Connection.RemoteIpAddress;
        // A dual-stack listener reports IPv4 callers as ::ffff:a.b.c.d; judge the IPv4 address.
        if (remote is { IsIPv4MappedToIPv6: true })
            remote = remote.MapToIPv4();
        var loopback = remote is not null && IPAddress.IsLoopback(remote);
        if (!mutating && loopback && options.OpenReadOnlyOnLoopback)
            return true;

        var expected = tokens.Current();
        if (expected is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status403Forbidden,
                $"{what} needs the admin token, and none is configured on this node (set {AdminOptions.TokenFileSettingEnvironmentVariable}, {AdminOptions.TokenFileEnvironmentVariable} or {AdminOptions.TokenEnvironmentVariable})");
            return false;
        }
        var header = context.Request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (!header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) || header.Length == bearer.Length)
        {
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized,
                $"{what} needs the admin token: pass --token-file <file> or set {AdminOptions.TokenEnvironmentVariable}");
            return false;
        }
        if (!AdminToken.Matches(expected, header[bearer.Length..].Trim()))
        {
            // Neither token is logged or echoed; only that a refusal happened and from where.
            logger.LogWarning("admin token refused for {What} from {Remote}", what, remote);
            await WriteErrorAsync(context, StatusCodes.Status403Forbidden, "admin token refused");
            return false;
        }
        return true;
    }

    private static Task FailAsync(HttpContext context, AdminException e) =>
        WriteErrorAsync(context, e.Kind switch
        {
            AdminErrorKind.BadRequest => StatusCodes.Status400BadRequest,
            AdminErrorKind.NotFound => StatusCodes.Status404NotFound,
            AdminErrorKind.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status503ServiceUnavailable,
        }, e.Message, e.Kind);

    private static async Task WriteErrorAsync(HttpContext context, int status, string message, AdminErrorKind kind = AdminErrorKind.BadRequest)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new AdminError(message, kind), AdminWire.Json, context.RequestAborted);
    }

    private static async Task WriteLineAsync(HttpContext context, AdminResult result, CancellationToken ct)
    {
        await JsonSerializer.SerializeAsync(context.Response.Body, result, AdminWire.Json, ct);
        await context.Response.Body.WriteAsync(NewLine, ct);
        await context.Response.Body.FlushAsync(ct);
    }
}
