using System.CommandLine;
using ExPecto.Hosting;
using Microsoft.Extensions.Configuration;

namespace ExPecto.Coordinator.Cli;

/// <summary>`expecto run`: the whole cluster in this process (embedded mode), resumable, idempotent on a finished folder.</summary>
internal static class RunCommand
{
    public const int ExitPartial = 3;

    public static Command Create()
    {
        var job = new JobArguments();
        var state = new Option<FileInfo?>("--state") { Description = "Checkpoint database (SQLite); default DIR/_state/checkpoints.db" };
        var devices = new Option<string>("--devices") { Description = "Inference loops: cpu, or cuda:0,cuda:1", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for inference (default: one per CPU this process may use; Worker:Threads)" };
        var admin = new Option<string?>("--admin") { Description = "Admin console host:port (default 127.0.0.1:9110; a busy port only warns; EXPECTO_ADMIN__ENDPOINT)" };
        var progressInterval = JobProgress.IntervalOption();
        var logFormat = ServeCommand.LogFormatOption();
        var testHooks = ServeCommand.TestHooksOption();
        var command = new Command("run", "Run a saturation mutagenesis job with every role in this process; resumes after a crash");
        job.AddTo(command);
        command.Options.Add(state);
        command.Options.Add(devices);
        command.Options.Add(threads);
        command.Options.Add(admin);
        command.Options.Add(progressInterval);
        command.Options.Add(logFormat);
        command.Options.Add(testHooks);
        command.SetAction(async (parse, ct) =>
        {
            // Knobs come from EXPECTO_* like every role's; the command line overrides devices and the log format.
            var config = new ConfigurationBuilder().AddExPectoSources().Build();
            if (parse.GetValue(logFormat) is { } lf) config[ExPecto.Admin.Logging.NodeLog.FormatKey] = lf;
            NodeMain.ConfigureLogging(config);
            ExPecto.Admin.Logging.NodeLog.Role = $"{Roles.Coordinator},{Roles.Worker}";
            var hooks = ServeCommand.ResolveTestHooks(parse, testHooks, config, "expecto run");
            var worker = ExPectoHostingExtensions.Bind<WorkerOptions>(config, WorkerOptions.Section);
            if (parse.GetResult(devices) is not null || config["Worker:Devices"] is null)
                worker.Devices = parse.GetValue(devices)!;
            if (parse.GetValue(threads) is int t) worker.Threads = t;
            worker.Validate(WorkerOptions.Section);
            var engines = ScienceWiring.Engines(hooks, worker.PrecisionList(), worker.CpuThreads());
            var (spec, genes) = job.Read(parse, engines);
            if (job.UsesDemo(parse))
                ExPecto.Admin.Logging.NodeLog.Write("info", $"expecto: bundled demo: {genes.Count} chr20 genes, radius {spec.Radius}, DEMONSTRATION weights (random, not biological)");
            // A precision the devices cannot run fails here, once, not as one failed attempt per gene (the real engines only).
            if (ExPecto.Beluga.Ism.DeltaEngines.Names.Contains(spec.Engine, StringComparer.OrdinalIgnoreCase))
            {
                foreach (string device in worker.DeviceList())
                    ExPecto.Beluga.TorchDevices.CheckPrecision(ExPecto.Beluga.TorchDevices.Parse(device), spec.Precision, device);
            }
            var progress = JobProgress.ForConsole(parse.GetValue(progressInterval));
            var runner = new EmbeddedRunner(engines, ScienceWiring.Finalizer())
            {
                CommitHook = hooks?.CommitHook,
                Cluster = ExPectoHostingExtensions.Bind<ClusterNodeOptions>(config, ClusterNodeOptions.Section),
                Coordinator = ExPectoHostingExtensions.Bind<CoordinatorOptions>(config, CoordinatorOptions.Section),
                Worker = worker,
                Admin = AdminFor(config, parse.GetValue(admin)),
                Progress = progress.Report,
            };
            EmbeddedRunResult result;
            try
            {
                result = await runner.RunAsync(spec, genes, parse.GetValue(state)?.FullName, ct);
            }
            finally
            {
                progress.Interrupt();
            }
            if (result.Status is { } finished) progress.Done(finished);
            if (result.AlreadyComplete)
            {
                Console.WriteLine($"{result.JobId}\tcomplete\talready finished in {spec.OutputDir}; nothing to do");
                RunReport.Print(spec.OutputDir, Console.Out);
                return 0;
            }
            JobArguments.Print(result.Status!, Console.Out);
            RunReport.Print(spec.OutputDir, Console.Out);
            return result.Complete ? 0 : ExitPartial;
        });
        return command;
    }

    /// <summary>The run's console: the Admin section, --admin over it; a busy port warns instead of failing the run.</summary>
    private static ExPecto.Admin.AdminOptions AdminFor(IConfiguration config, string? endpoint)
    {
        var options = ExPectoHostingExtensions.Bind<ExPecto.Admin.AdminOptions>(config, ExPecto.Admin.AdminOptions.Section);
        if (endpoint is not null) options.Endpoint = endpoint;
        NodeMain.CheckAdminEndpoint(options.Endpoint);
        options.FailIfUnavailable = false;
        return options;
    }
}
