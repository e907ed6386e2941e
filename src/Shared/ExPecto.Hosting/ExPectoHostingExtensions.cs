using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Persistence.Sql;
using Akka.Remote.Hosting;
using ExPecto.Protocol.Serialization;
using ExPecto.Protocol.Sharding;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ExPecto.Hosting;

/// <summary>The hosting extensions every role stacks; embedded mode stacks all of them in one process.</summary>
public static class ExPectoHostingExtensions
{
    public const string JobManagerName = "job-manager";

    /// <summary>Binds the four option sections from configuration (EXPECTO_* environment variables included).</summary>
    public static IServiceCollection AddExPectoOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Bind<ClusterNodeOptions>(configuration, ClusterNodeOptions.Section));
        services.AddSingleton(Bind<PersistenceOptions>(configuration, PersistenceOptions.Section));
        services.AddSingleton(Bind<CoordinatorOptions>(configuration, CoordinatorOptions.Section));
        services.AddSingleton(Bind<WorkerOptions>(configuration, WorkerOptions.Section));
        return services;
    }

    /// <summary>Binds and checks an options section; bad values are one <see cref="ExPecto.Core.InputException"/> line.</summary>
    public static T Bind<T>(IConfiguration configuration, string section) where T : new() =>
        OptionsValidation.BindChecked<T>(configuration, section);

    /// <summary>The configuration every role reads: optional appsettings.json, then EXPECTO_* environment variables.</summary>
    public static IConfigurationBuilder AddExPectoSources(this IConfigurationBuilder builder, string[]? args = null, IDictionary<string, string>? switches = null)
    {
        builder.AddEnvironmentVariables("EXPECTO_");
        if (args is not null)
            builder.AddCommandLine(args, switches ?? new Dictionary<string, string>());
        return builder;
    }

    /// <summary>Command-line switches every role understands, mapped onto option keys.</summary>
    public static Dictionary<string, string> CommonSwitches() => new(StringComparer.Ordinal)
    {
        ["--host"] = "Cluster:Hostname",
        ["--public-host"] = "Cluster:PublicHostname",
        ["--port"] = "Cluster:Port",
        ["--seed"] = "Cluster:Seeds",
        ["--seeds"] = "Cluster:Seeds",
        ["--coordinator"] = "Cluster:Seeds",
        ["--device"] = "Worker:Devices",
        ["--devices"] = "Worker:Devices",
        ["--slots"] = "Worker:SlotsPerDevice",
        ["--precision"] = "Worker:Precisions",
        ["--threads"] = "Worker:Threads",
        ["--state"] = "Persistence:SqliteFile",
        ["--pg"] = "Persistence:ConnectionString",
        ["--admin"] = "Admin:Endpoint",
        [ExPecto.Admin.Logging.NodeLog.FormatSwitch] = ExPecto.Admin.Logging.NodeLog.FormatKey,
    };

    /// <summary>
    /// Remoting on the configured interface and port (mutual TLS when Cluster:Tls:Enabled), cluster membership with
    /// the given roles, the split-brain resolver of <see cref="ClusterNodeOptions.Downing"/>. A node the cluster downs
    /// runs coordinated shutdown and terminates its actor system; Akka.Hosting then sets the exit code to -1 (255)
    /// and stops the host, so the process ends and its supervisor restarts it.
    /// </summary>
    public static AkkaConfigurationBuilder WithExPectoCluster(this AkkaConfigurationBuilder builder, ClusterNodeOptions options, params string[] roles)
    {
        var remote = new RemoteOptions
        {
            HostName = options.Hostname,
            Port = options.Port,
            PublicHostName = options.PublicHostname ?? options.Hostname,
        };
        if (options.Tls.Enabled)
        {
            // Mutual TLS: peers must present a certificate of the cluster CA (ClusterTls.PeerValidator).
            remote.EnableSsl = true;
            remote.Ssl = ClusterTls.SslOptions(options.Tls);
        }
        builder.WithRemoting(remote);
        string[] seeds = options.SeedAddresses();
        builder.WithClustering(new ClusterOptions
        {
            Roles = roles,
            SeedNodes = seeds,
            SplitBrainResolver = SplitBrainResolverFor(options),
        });
        if (seeds.Length == 0)
        {
            // No seeds: this node founds the cluster (works with port 0, where no address is known beforehand).
            builder.AddStartup((system, _) => Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(system).SelfAddress));
        }
        bool giveUpJoining = seeds.Length > 0 && options.ShutdownAfterUnsuccessfulJoinSeedNodes > TimeSpan.Zero;
        if (giveUpJoining)
            builder.AddStartup((system, _) => AnnounceUnsuccessfulJoin(system, options, seeds));
        FileLogger.Path = options.LogFile;
        ExPecto.Admin.Logging.NodeLog.Role = string.Join(",", roles);
        string? logger = options.LogFile is not null ? "ExPecto.Hosting.FileLogger, ExPecto.Hosting"
            : ExPecto.Admin.Logging.NodeLog.Format == ExPecto.Admin.Logging.LogFormat.Json ? "ExPecto.Hosting.JsonLogger, ExPecto.Hosting"
            : null;
        builder.AddHocon(
            $$"""
            akka.cluster.split-brain-resolver.stable-after = {{(int)options.DowningStableAfter.TotalMilliseconds}}ms
            akka.cluster.failure-detector.acceptable-heartbeat-pause = {{(int)options.FailureDetectorPause.TotalMilliseconds}}ms
            akka.cluster.log-info = {{(options.LogMembership ? "on" : "off")}}
            akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = {{(giveUpJoining ? $"{(long)options.ShutdownAfterUnsuccessfulJoinSeedNodes.TotalMilliseconds}ms" : "off")}}
            # Akka's proxy warning fires at once, not after the period it names (SingletonWatch replaces it).
            akka.cluster.singleton-proxy.log-singleton-identification-failure = off
            akka.loglevel = {{(options.LogFile is null ? options.LogLevel : "INFO")}}
            {{(logger is null ? "" : $"akka.loggers = [\"{logger}\"]")}}
            akka.stdout-loglevel = {{(ExPecto.Admin.Logging.NodeLog.Format == ExPecto.Admin.Logging.LogFormat.Json ? "OFF" : options.LogFile is null ? options.LogLevel : "WARNING")}}
            akka.remote.dot-netty.tcp.maximum-frame-size = 16MiB
            akka.remote.dot-netty.tcp.send-buffer-size = 16MiB
            akka.remote.dot-netty.tcp.receive-buffer-size = 16MiB
            """, HoconAddMode.Prepend);
        return builder.WithExPectoSerialization();
    }

    /// <summary>
    /// One error line when this node gives up joining (<see cref="ClusterNodeOptions.ShutdownAfterUnsuccessfulJoinSeedNodes"/>):
    /// Akka's own warning names the setting, not what to do about it.
    /// </summary>
    private static void AnnounceUnsuccessfulJoin(Akka.Actor.ActorSystem system, ClusterNodeOptions options, string[] seeds)
    {
        var shutdown = Akka.Actor.CoordinatedShutdown.Get(system);
        shutdown.AddTask(Akka.Actor.CoordinatedShutdown.PhaseBeforeServiceUnbind, "expecto-join-unsuccessful", () =>
        {
            if (shutdown.ShutdownReason is not Akka.Actor.CoordinatedShutdown.ClusterJoinUnsuccessfulReason)
                return Task.FromResult(Akka.Done.Instance);
            // Akka.Hosting stops the host with exit code 0 here; a failure, so that Restart=on-failure supervisors act too.
            Environment.ExitCode = -1;
            ExPecto.Admin.Logging.NodeLog.Write("error",
                $"{ExPecto.Admin.Logging.NodeLog.Role} node: could not join the cluster through {string.Join(", ", seeds)} within " +
                $"{options.ShutdownAfterUnsuccessfulJoinSeedNodes} (Cluster:ShutdownAfterUnsuccessfulJoinSeedNodes); exiting with 255 for " +
                "the supervisor to start this node again (docs/cluster.md, \"A node that cannot join\")");
            return Task.FromResult(Akka.Done.Instance);
        });
    }

    /// <summary>
    /// The split-brain resolver named by <see cref="ClusterNodeOptions.Downing"/>, over all members (no role: a
    /// role narrows the count to one or two nodes, and losing those would down everyone). Keep-oldest with
    /// down-if-alone: a crashed oldest member is downed by the others instead of taking them down with it.
    /// </summary>
    public static SplitBrainResolverOption SplitBrainResolverFor(ClusterNodeOptions options) =>
        options.Downing.Trim().ToLowerInvariant() switch
        {
            DowningStrategies.KeepOldest => new KeepOldestOption { DownIfAlone = true },
            DowningStrategies.KeepMajority => new KeepMajorityOption(),
            _ => throw new ExPecto.Core.InputException(
                $"Cluster:Downing (EXPECTO_CLUSTER__DOWNING) must be {DowningStrategies.KeepOldest} or {DowningStrategies.KeepMajority}, found '{options.Downing}'"),
        };

    /// <summary>Binds every protocol message, event and snapshot to <see cref="ExPectoSerializer"/>.</summary>
    public static AkkaConfigurationBuilder WithExPectoSerialization(this AkkaConfigurationBuilder builder) =>
        builder.WithCustomSerializer(ExPectoSerializer.Name, ExPectoSerializer.BoundTypes, system => new ExPectoSerializer(system));

    /// <summary>
    /// Akka.Persistence.Sql journal and snapshot store (tables created on first use): SQLite file by default,
    /// PostgreSQL by connection string. Sharding's coordinator state uses the same journal.
    /// </summary>
    public static AkkaConfigurationBuilder WithExPectoPersistence(this AkkaConfigurationBuilder builder, PersistenceOptions options)
    {
        var (provider, connection) = ResolveConnection(options);
        string cs = connection.Replace("\\", "\\\\").Replace("\"", "\\\"");
        builder.AddHocon(
            $$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  connection-string = "{{cs}}"
                  provider-name = "{{provider}}"
                  auto-initialize = on
                  circuit-breaker.reset-timeout = {{(int)options.CircuitBreakerReset.TotalMilliseconds}}ms
                  # SQLite takes one writer at a time: parallel writers only wait on each other's lock (busy retries).
                  parallelism = {{(options.IsPostgres ? 3 : 1)}}
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  connection-string = "{{cs}}"
                  provider-name = "{{provider}}"
                  auto-initialize = on
                  circuit-breaker.reset-timeout = {{(int)options.CircuitBreakerReset.TotalMilliseconds}}ms
                }
              }
              query.journal.sql {
                connection-string = "{{cs}}"
                provider-name = "{{provider}}"
              }
            }
            """, HoconAddMode.Prepend);
        builder.AddHocon(SqlPersistence.DefaultConfiguration, HoconAddMode.Append);
        return builder;
    }

    /// <summary>(linq2db provider name, connection string); creates the SQLite folder and turns on WAL.</summary>
    public static (string Provider, string ConnectionString) ResolveConnection(PersistenceOptions options)
    {
        if (options.IsPostgres)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
                throw new ExPecto.Core.InputException("persistence provider postgresql needs a connection string (EXPECTO_PERSISTENCE__CONNECTIONSTRING)");
            return ("PostgreSQL.15", options.ConnectionString);
        }
        string cs = options.ConnectionString ?? new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(options.SqliteFile) }.ToString();
        var parsed = new SqliteConnectionStringBuilder(cs);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(parsed.DataSource));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        // WAL: readers never block the journal writer; the setting is stored in the file and survives crashes.
        using (var conn = new SqliteConnection(cs))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=WAL;";
            cmd.ExecuteNonQuery();
        }
        return ("SQLite.MS", cs);
    }

    /// <summary>Proxy to the gene shard region hosted by coordinator nodes (workers, clients).</summary>
    public static AkkaConfigurationBuilder WithGeneRegionProxy(this AkkaConfigurationBuilder builder) =>
        builder.WithShardRegionProxy<GeneRegion>(GeneMessageExtractor.TypeName, Roles.Coordinator, new GeneMessageExtractor());

    /// <summary>Proxy to the job manager singleton on the oldest coordinator node (workers, clients).</summary>
    public static AkkaConfigurationBuilder WithJobManagerProxy(this AkkaConfigurationBuilder builder) =>
        builder.WithSingletonProxy<JobManager>(JobManagerName, new ClusterSingletonOptions { Role = Roles.Coordinator })
            .WithSingletonWatch<JobManager>(JobManagerName, Roles.Coordinator, JobManagerPing);

    /// <summary>The job manager's cheapest read-only question (the status of no job), for <see cref="SingletonWatch"/>.</summary>
    public static readonly object JobManagerPing = new ExPecto.Protocol.Messages.GetJobStatus("-");

    /// <summary>A <see cref="SingletonWatch"/> on the proxy registered as <typeparamref name="TKey"/>: one warning line when it stays silent.</summary>
    public static AkkaConfigurationBuilder WithSingletonWatch<TKey>(this AkkaConfigurationBuilder builder, string singleton, string role, object ping) =>
        builder.WithActors((system, registry) =>
            system.ActorOf(SingletonWatch.Props(singleton, role, registry.Get<TKey>(), ping), "watch-" + singleton));

    /// <summary>
    /// Sharding settings of the gene entity type: coordinator state in the journal; entities not remembered. The job
    /// manager wakes every gene it still counts on (after its own recovery, and every third of a lease while a lease
    /// is outstanding), so remembering buys nothing, and it cost a journal write per entity start and stop plus a
    /// shard that could wedge when a remembered entity stopped on a journal failure (Akka.NET 1.5.73,
    /// "RestartTerminatedEntity: [NoState]"; akka/akka-core#32749).
    /// </summary>
    public static ShardOptions GeneShardOptions() => new()
    {
        Role = Roles.Coordinator,
        RememberEntities = false,
        StateStoreMode = Akka.Cluster.Sharding.StateStoreMode.Persistence,
        ShouldPassivateIdleEntities = false,
    };
}
