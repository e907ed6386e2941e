using System.CommandLine;
using Akka.Hosting;
using ExPecto.Admin.Hosting;
using ExPecto.Coordinator.Admin;
using ExPecto.Admin.Contracts;
using ExPecto.Coordinator.Schedules;
using ExPecto.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto serve`: the coordinator role (job manager + gene entities), until stopped.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int?>("--port") { Description = "Remoting port (default 4054; EXPECTO_CLUSTER__PORT)" };
        var host = new Option<string?>("--host") { Description = "Interface to bind (default 127.0.0.1)" };
        var seed = new Option<string?>("--seed") { Description = "Seed nodes host:port[,host:port] (default: found a cluster)" };
        var state = new Option<string?>("--state") { Description = "SQLite checkpoint file (default expecto-state/checkpoints.db)" };
        var pg = new Option<string?>("--pg") { Description = "PostgreSQL connection string (instead of SQLite)" };
        var admin = new Option<string?>("--admin") { Description = "Admin console host:port (default 127.0.0.1:9110, port 0 = free; EXPECTO_ADMIN__ENDPOINT)" };
        var logFormat = LogFormatOption();
        var testHooks = TestHooksOption();
        var command = new Command("serve", "Run the coordinator role: job management and gene entities, persisted");
        foreach (var o in new Option[] { port, host, seed, state, pg, admin, logFormat, testHooks }) command.Options.Add(o);
        command.SetAction(async (parse, ct) =>
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            var overrides = new Dictionary<string, string?> { ["Cluster:Port"] = "4054" };
            builder.Configuration.AddInMemoryCollectionCompat(overrides);
            builder.Configuration.AddExPectoSources();
            var cli = new Dictionary<string, string?>();
            if (parse.GetValue(port) is { } p) cli["Cluster:Port"] = p.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (parse.GetValue(host) is { } h) cli["Cluster:Hostname"] = h;
            if (parse.GetValue(seed) is { } s) cli["Cluster:Seeds"] = s;
            if (parse.GetValue(state) is { } st) cli["Persistence:SqliteFile"] = st;
            if (parse.GetValue(admin) is { } a) cli["Admin:Endpoint"] = a;
            if (parse.GetValue(logFormat) is { } lf) cli[ExPecto.Admin.Logging.NodeLog.FormatKey] = lf;
            if (parse.GetValue(pg) is { } cs)
            {
                cli["Persistence:Provider"] = "postgresql";
                cli["Persistence:ConnectionString"] = cs;
            }
            builder.Configuration.AddInMemoryCollectionCompat(cli);
            NodeMain.CheckCommon(builder.Configuration);
            ExPecto.Admin.Logging.NodeLog.Role = Roles.Coordinator; // before the first line (the cluster sets it again)
            var hooks = ResolveTestHooks(parse, testHooks, builder.Configuration, "expecto serve");
            // This node runs no genes; schedules and console submissions are checked against the engines of this build.
            var engines = ScienceWiring.Engines(hooks);
            var cluster = ExPectoHostingExtensions.Bind<ClusterNodeOptions>(builder.Configuration, ClusterNodeOptions.Section);
            var persistence = ExPectoHostingExtensions.Bind<PersistenceOptions>(builder.Configuration, PersistenceOptions.Section);
            var coordinator = ExPectoHostingExtensions.Bind<CoordinatorOptions>(builder.Configuration, CoordinatorOptions.Section);
            builder.Services.AddAkka(cluster.SystemName, (akka, _) => akka
                .WithExPectoCluster(cluster, Roles.Coordinator)
                .WithExPectoPersistence(persistence)
                .WithExPectoCoordinator(coordinator, persistence, ScienceWiring.Finalizer(), hooks?.CommitHook)
                .WithExPectoSchedules(ExPectoHostingExtensions.Bind<ScheduleOptions>(builder.Configuration, ScheduleOptions.Section), persistence, engines));
            builder.Services.AddExPectoAdmin(builder.Configuration, certificate: ClusterTls.AdminCertificate(cluster.Tls)).AddExPectoCoordinatorAdmin(engines);
            builder.Services.AddSingleton<IScheduleAdmin, ScheduleAdmin>();
            using var app = builder.Build();
            ExPecto.Admin.Logging.NodeLog.Write("info", $"expecto serve: coordinator on {cluster.Hostname}:{cluster.Port}, state {(persistence.IsPostgres ? "postgresql" : persistence.SqliteFile)}");
            await app.RunAsync(ct);
            // -1 (255) when the cluster downed this node or it left (Akka.Hosting sets it), as expecto-seed and
            // expecto-worker exit: a supervisor restarts it.
            return Environment.ExitCode;
        });
        return command;
    }

    /// <summary>`--enable-test-hooks`: the switch of <see cref="TestHookSwitch"/> (also EXPECTO_TEST_HOOKS=1).</summary>
    public static Option<bool> TestHooksOption() => new(TestHookSwitch.Flag)
    {
        Description = $"Load the test hooks (fake engine, fault injection; {TestHookSwitch.EnvironmentVariable}=1) from the test build's ExPecto.TestHooks.dll ({TestHookSwitch.AssemblyPathVariable}): for tests only, never in production",
    };

    /// <summary>The test hooks when the switch is on (flag or environment); without it, test-hook settings are refused.</summary>
    public static ITestHooks? ResolveTestHooks(ParseResult parse, Option<bool> option, Microsoft.Extensions.Configuration.IConfiguration configuration, string node) =>
        TestHookSwitch.Resolve(configuration, parse.GetValue(option) || TestHookSwitch.FromEnvironment(), node);

    /// <summary>`--log-format text|json` (Logging:Format, EXPECTO_LOGGING__FORMAT): JSON lines for log shippers.</summary>
    public static Option<string?> LogFormatOption() => new(ExPecto.Admin.Logging.NodeLog.FormatSwitch)
    {
        Description = "Log lines: text (default, for people) or json (one object a line: timestamp, level, role, job, gene, message; EXPECTO_LOGGING__FORMAT)",
    };
}

internal static class ConfigurationCompat
{
    public static void AddInMemoryCollectionCompat(this Microsoft.Extensions.Configuration.IConfigurationBuilder builder, IDictionary<string, string?> values) =>
        Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(builder, values);
}
