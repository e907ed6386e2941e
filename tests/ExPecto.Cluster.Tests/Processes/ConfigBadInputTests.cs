namespace ExPecto.Cluster.Tests.Processes;

/// <summary>
/// Bad node configuration on the real executables (docs/bad-input.md, "Node configuration"): each stops within
/// seconds with exit code 2 and one line naming the option and its environment variable, never a stack trace.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed class ConfigBadInputTests
{
    public static TheoryData<string, string, string, string> Cases() => new()
    {
        // role, EXPECTO_ variable, bad value, what the error line must say
        { "serve", "EXPECTO_COORDINATOR__LEASEDURATION", "abc", "configuration Coordinator:LeaseDuration (EXPECTO_COORDINATOR__LEASEDURATION): expected a duration" },
        { "serve", "EXPECTO_COORDINATOR__MAXATTEMPTS", "0", "configuration Coordinator:MaxAttempts (EXPECTO_COORDINATOR__MAXATTEMPTS): expected a whole number ≥ 1, found '0'" },
        { "serve", "EXPECTO_PERSISTENCE__PROVIDER", "oracle", "configuration Persistence:Provider (EXPECTO_PERSISTENCE__PROVIDER): expected one of sqlite, postgresql, postgres, found 'oracle'" },
        { "serve", "EXPECTO_PERSISTENCE__PROVIDER", "postgresql", "configuration Persistence:ConnectionString (EXPECTO_PERSISTENCE__CONNECTIONSTRING): expected a PostgreSQL connection string" },
        { "worker", "EXPECTO_WORKER__SLOTSPERDEVICE", "-1", "configuration Worker:SlotsPerDevice (EXPECTO_WORKER__SLOTSPERDEVICE): expected a whole number ≥ 1, found '-1'" },
        { "worker", "EXPECTO_WORKER__HEARTBEATINTERVAL", "00:00:00", "configuration Worker:HeartbeatInterval (EXPECTO_WORKER__HEARTBEATINTERVAL): expected a duration above zero" },
        { "seed", "EXPECTO_CLUSTER__SEEDS", "127.0.0.1", "configuration Cluster:Seeds (EXPECTO_CLUSTER__SEEDS): expected host:port[,host:port] with ports from 1 to 65535, found '127.0.0.1'" },
        { "seed", "EXPECTO_CLUSTER__PORT", "70000", "configuration Cluster:Port (EXPECTO_CLUSTER__PORT): expected a port from 0 (any free port) to 65535, found '70000'" },
        { "seed", "EXPECTO_CLUSTER__PORT", "four", "configuration Cluster:Port (EXPECTO_CLUSTER__PORT): expected a whole number, found 'four'" },
        { "seed", "EXPECTO_CLUSTER__DOWNING", "keep-everyone", "configuration Cluster:Downing (EXPECTO_CLUSTER__DOWNING): expected one of keep-oldest, keep-majority" },
        { "seed", "EXPECTO_CLUSTER__TLS__ENABLED", "true", "configuration Cluster:Tls:CertificatePath (EXPECTO_CLUSTER__TLS__CERTIFICATEPATH): expected this node's PKCS#12 certificate file" },
        { "seed", "EXPECTO_CLUSTER__TLS__ENABLED", "perhaps", "configuration Cluster:Tls:Enabled (EXPECTO_CLUSTER__TLS__ENABLED): expected true or false, found 'perhaps'" },
        { "seed", "EXPECTO_ADMIN__ENDPOINT", "127.0.0.1:notaport", "configuration Admin:Endpoint (EXPECTO_ADMIN__ENDPOINT): expected host:port" },
        // Test hooks without --enable-test-hooks / EXPECTO_TEST_HOOKS=1: refused, never silently ignored (a key read from
        // the environment keeps its spelling there).
        { "serve", "EXPECTO_TESTHOOKS__CRASHATCOMMIT", "4", "configuration TestHooks:CRASHATCOMMIT (EXPECTO_TESTHOOKS__CRASHATCOMMIT) is a test hook (it can make this node crash, hang or fail genes on purpose) and is refused: start the node with --enable-test-hooks or EXPECTO_TEST_HOOKS=1 to use it" },
        { "serve", "EXPECTO_COORDINATOR__CRASHATCOMMIT", "4", "configuration Coordinator:CrashAtCommit (EXPECTO_COORDINATOR__CRASHATCOMMIT) is a test hook (it can make this node crash, hang or fail genes on purpose) and is refused; it is now TestHooks:CrashAtCommit" },
        { "worker", "EXPECTO_TESTHOOKS__HANGGENES", "*", "configuration TestHooks:HANGGENES (EXPECTO_TESTHOOKS__HANGGENES) is a test hook" },
        { "worker", "EXPECTO_WORKER__FAKEHANGGENES", "*", "configuration Worker:FakeHangGenes (EXPECTO_WORKER__FAKEHANGGENES) is a test hook" },
        { "seed", "EXPECTO_TESTHOOKS__FAKEDELAY", "00:00:01", "configuration TestHooks:FAKEDELAY (EXPECTO_TESTHOOKS__FAKEDELAY) is a test hook" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_configuration_stops_the_role_with_one_line_naming_the_option(string role, string variable, string value, string expected)
    {
        using var tmp = new TempDir();
        var env = new Dictionary<string, string> { [variable] = value };
        var (dll, args, name) = role switch
        {
            "seed" => (NodeProcess.Seed, Array.Empty<string>(), "expecto-seed"),
            "worker" => (NodeProcess.Worker, new[] { "--coordinator", "127.0.0.1:1", "--device", "cpu" }, "expecto-worker"),
            _ => (NodeProcess.Expecto, new[] { "serve", "--port", "0", "--state", tmp.Sub("state/checkpoints.db") }, "expecto"),
        };
        // Flags would override the variable under test: ports and endpoints come from the environment too.
        env.TryAdd("EXPECTO_ADMIN__ENDPOINT", "127.0.0.1:0");
        env.TryAdd("EXPECTO_CLUSTER__PORT", "0");
        env.TryAdd(ExPecto.Hosting.TestHookSwitch.EnvironmentVariable, "0");
        using var node = NodeProcess.Start(role, dll, args, env);

        int rc = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(rc == 2, $"{role} with {variable}={value} exited {rc}, not 2:\n{node.Tail()}");
        string[] lines = node.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith($"{name}: error: {expected}", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal) || l.Contains("Unhandled exception", StringComparison.Ordinal));
        Assert.False(Directory.Exists(tmp.Sub("state")) && Directory.EnumerateFiles(tmp.Sub("state")).Any(), "a database was created before the configuration was checked");
    }

    [Theory]
    [InlineData("seed", "missing")]
    [InlineData("worker", "missing")]
    [InlineData("serve", "missing")]
    [InlineData("worker", "unset")]
    public async Task The_switch_without_the_test_hooks_assembly_stops_the_node_with_one_line_saying_where_it_looked(string role, string assembly)
    {
        // The hooks are never beside an executable: unset, the node looks there and must say how to point it elsewhere.
        using var tmp = new TempDir();
        string missing = Path.Combine(tmp.Path, "nowhere", "ExPecto.TestHooks.dll");
        var (dll, args, name, node) = role switch
        {
            "seed" => (NodeProcess.Seed, Array.Empty<string>(), "expecto-seed", "expecto-seed"),
            "worker" => (NodeProcess.Worker, new[] { "--coordinator", "127.0.0.1:1", "--device", "cpu" }, "expecto-worker", "expecto-worker"),
            _ => (NodeProcess.Expecto, new[] { "serve", "--port", "0", "--state", tmp.Sub("state/checkpoints.db") }, "expecto", "expecto serve"),
        };
        var env = new Dictionary<string, string>
        {
            ["EXPECTO_ADMIN__ENDPOINT"] = "127.0.0.1:0",
            ["EXPECTO_CLUSTER__PORT"] = "0",
            [ExPecto.Hosting.TestHookSwitch.EnvironmentVariable] = "1",
            [ExPecto.Hosting.TestHookSwitch.AssemblyPathVariable] = assembly == "missing" ? missing : "",
        };
        using var process = NodeProcess.Start(role, dll, args, env);

        int rc = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(rc == 2, $"{role} with the switch and no hooks assembly exited {rc}, not 2:\n{process.Tail()}");
        string where = assembly == "missing"
            ? $"{missing} (EXPECTO_TEST_HOOKS_ASSEMBLY)"
            : $"{Path.Combine(Path.GetDirectoryName(dll)!, "ExPecto.TestHooks.dll")} (beside {node})";
        string[] lines = process.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l == $"{name}: error: --enable-test-hooks (EXPECTO_TEST_HOOKS=1): ExPecto.TestHooks.dll not found at {where}; " +
                                         "it is built from tests/ExPecto.TestHooks and never shipped: set EXPECTO_TEST_HOOKS_ASSEMBLY to the full path of that build's ExPecto.TestHooks.dll");
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal) || l.Contains("Unhandled exception", StringComparison.Ordinal));
        Assert.DoesNotContain("TEST HOOKS ENABLED", process.Log);
    }

    [Fact]
    public async Task A_node_started_with_the_test_hooks_switch_says_so_loudly_at_start()
    {
        var env = new Dictionary<string, string> { ["EXPECTO_ADMIN__ENDPOINT"] = "127.0.0.1:0", ["EXPECTO_TESTHOOKS__HANGGENES"] = "g1" };
        using var node = NodeProcess.Start("worker", NodeProcess.Worker,
            ["--coordinator", "127.0.0.1:1", "--device", "cpu", "--port", "0", "--enable-test-hooks"], env);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!node.Log.Contains("TEST HOOKS ENABLED", StringComparison.Ordinal) && !node.HasExited && DateTime.UtcNow < deadline)
            await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Contains("expecto-worker: WARNING: TEST HOOKS ENABLED (--enable-test-hooks or EXPECTO_TEST_HOOKS=1). This node offers the fake engine " +
                        "and can be made to crash, hang or fail genes on purpose", node.Log);
        Assert.Contains("hang genes 'g1'", node.Log);
    }
}
