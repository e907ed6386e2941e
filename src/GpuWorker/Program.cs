using Akka.Hosting;
using ExPecto.Admin.Hosting;
using ExPecto.Hosting;
using ExPecto.Mutagenesis;
using ExPecto.Protocol.Processing;
using ExPecto.Worker;
using Microsoft.Extensions.Hosting;

// `expecto-worker --coordinator host:port[,host:port] --device cpu|cuda:0,cuda:1 [--port 0] [--slots 1] [--precision fp32,bf16] [--threads N] [--admin 127.0.0.1:9110] [--enable-test-hooks]`
// Joins the cluster through the given contact points (seed or coordinator nodes) and pulls genes.
return await NodeMain.RunAsync("expecto-worker", async () =>
{
    var (nodeArgs, testHooksOn) = TestHookSwitch.Strip(args);
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Configuration.AddExPectoSources(nodeArgs, ExPectoHostingExtensions.CommonSwitches());
    NodeMain.CheckCommon(builder.Configuration);
    ExPecto.Admin.Logging.NodeLog.Role = Roles.Worker; // before the first line (the cluster sets it again)
    var testHooks = TestHookSwitch.Resolve(builder.Configuration, testHooksOn, "expecto-worker");
    var cluster = ExPectoHostingExtensions.Bind<ClusterNodeOptions>(builder.Configuration, ClusterNodeOptions.Section);
    var worker = ExPectoHostingExtensions.Bind<WorkerOptions>(builder.Configuration, WorkerOptions.Section);
    // Engines this worker build offers: the real chromatin engines; the test engines only under the switch.
    var engines = MutagenesisGeneProcessorFactory.RegisterAll(new EngineCatalog(), worker.PrecisionList(), worker.CpuThreads()).WithTestEngines(testHooks);
    builder.Services.AddAkka(cluster.SystemName, (akka, _) => akka
        .WithExPectoCluster(cluster, Roles.Worker)
        .WithExPectoWorker(worker, engines));
    builder.Services.AddExPectoAdmin(builder.Configuration, certificate: ClusterTls.AdminCertificate(cluster.Tls));
    await builder.Build().RunAsync();
    // -1 (255) when the cluster downed this node (Akka.Hosting sets it): its supervisor restarts it.
    return Environment.ExitCode;
});
