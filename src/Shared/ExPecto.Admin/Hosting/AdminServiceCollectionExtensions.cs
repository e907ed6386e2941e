using Akka.Actor;
using ExPecto.Admin.Contracts;
using ExPecto.Admin.Palettes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ExPecto.Admin.Hosting;

/// <summary>Hosting the admin endpoint inside a generic host (works with Akka.Hosting's <c>AddAkka</c>).</summary>
public static class AdminServiceCollectionExtensions
{
    /// <summary>
    /// Starts the admin console and /healthz, /readyz with the host. Options bind from <see cref="AdminOptions.Section"/>
    /// when <paramref name="configuration"/> is given, then <paramref name="configure"/> runs. The ActorSystem is taken
    /// from DI once the host has started (Akka.Hosting registers it); <see cref="IJobAdmin"/>, <see cref="IWorkerAdmin"/>,
    /// <see cref="IScheduleAdmin"/> and any <see cref="IAdminPalette"/> registered in DI are served.
    /// </summary>
    public static IServiceCollection AddExPectoAdmin(
        this IServiceCollection services, IConfiguration? configuration = null, Action<AdminOptions>? configure = null,
        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        var options = services.AddOptions<AdminOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(AdminOptions.Section));
            // Only an endpoint somebody chose is worth failing for; the default may be taken by a neighbour.
            if (string.IsNullOrWhiteSpace(configuration[$"{AdminOptions.Section}:{nameof(AdminOptions.Endpoint)}"]))
                options.Configure(o => o.FailIfUnavailable = false);
        }
        if (certificate is not null)
            options.Configure(o => o.Certificate = certificate);
        if (configure is not null)
            options.Configure(configure);
        services.AddSingleton<AdminServerHandle>();
        services.AddHostedService<AdminHostedService>();
        return services;
    }
}

/// <summary>The running endpoint of a host (resolve it to learn the bound port, e.g. when configured with port 0).</summary>
public sealed class AdminServerHandle
{
    public AdminServer? Server { get; internal set; }
}

/// <summary>Runs an <see cref="AdminServer"/> for the host's lifetime.</summary>
internal sealed class AdminHostedService(
    IServiceProvider services,
    AdminServerHandle handle,
    IOptions<AdminOptions> options,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory) : IHostedService
{
    private AdminServer? _server;
    private ActorSystem? _system;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var isService = services.GetRequiredService<IServiceProviderIsService>();
        var palettes = AdminServer.StandardPalettes(
            isService.IsService(typeof(IJobAdmin)) ? services.GetRequiredService<IJobAdmin> : null,
            isService.IsService(typeof(IWorkerAdmin)) ? services.GetRequiredService<IWorkerAdmin> : null,
            isService.IsService(typeof(IScheduleAdmin)) ? services.GetRequiredService<IScheduleAdmin> : null,
            services.GetServices<IAdminPalette>());
        // Probes answer from the first moment (liveness "starting"); commands wait for the host to have started Akka.
        var o = options.Value;
        try
        {
            _server = await AdminServer.StartAsync(ResolveSystem, o, palettes, loggerFactory, cancellationToken);
        }
        catch (IOException e) when (!o.FailIfUnavailable)
        {
            // Kestrel reports a taken port as an IOException (AddressInUseException derives from it).
            Logging.NodeLog.Write("warning", $"warning: admin endpoint {o.Endpoint} unavailable ({e.Message}); running without an admin console");
            return;
        }
        handle.Server = _server;
        var (address, _) = AdminServer.ParseEndpoint(o.Endpoint);
        string host = address.Equals(System.Net.IPAddress.Any) ? "0.0.0.0" : address.ToString();
        // With TLS the scheme is part of the endpoint, so the line can be pasted into `expecto admin` as it is.
        Logging.NodeLog.Write("info", $"{AdminOptions.ListeningLogPrefix}{(_server.Https ? "https://" : "")}{host}:{_server.Port}");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }

    private ActorSystem? ResolveSystem()
    {
        if (_system is not null)
            return _system;
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
            return null;
        return _system = services.GetService<ActorSystem>();
    }
}
