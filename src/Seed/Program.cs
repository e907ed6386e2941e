using Akka.Hosting;
using ExPecto.Admin.Hosting;
using ExPecto.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

// `expecto-seed [--host 127.0.0.1] [--port 4053] [--seed other:4053,...] [--admin 127.0.0.1:9110]`: anchors cluster
// membership, hosts no work; serves the admin console (cluster, cluster-sharding palettes). It has nothing to
// hook, but takes `--enable-test-hooks` like every role and, without it, refuses test-hook settings the same way.
return await NodeMain.RunAsync("expecto-seed", async () =>
{
    var (nodeArgs, testHooksOn) = TestHookSwitch.Strip(args);
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Cluster:Port"] = "4053" });
    builder.Configuration.AddExPectoSources(nodeArgs, ExPectoHostingExtensions.CommonSwitches());
    NodeMain.CheckCommon(builder.Configuration);
    ExPecto.Admin.Logging.NodeLog.Role = Roles.Seed; // before the first line (the cluster sets it again)
    TestHookSwitch.Resolve(builder.Configuration, testHooksOn, "expecto-seed");
    var cluster = ExPectoHostingExtensions.Bind<ClusterNodeOptions>(builder.Configuration, ClusterNodeOptions.Section);
    builder.Services.AddAkka(cluster.SystemName, (akka, _) => akka.WithExPectoCluster(cluster, Roles.Seed));
    builder.Services.AddExPectoAdmin(builder.Configuration, certificate: ClusterTls.AdminCertificate(cluster.Tls));
    await builder.Build().RunAsync();
    // -1 (255) when the cluster downed this node (Akka.Hosting sets it): its supervisor restarts it.
    return Environment.ExitCode;
});
