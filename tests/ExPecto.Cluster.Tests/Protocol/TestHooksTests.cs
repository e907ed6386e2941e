using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using ExPecto.Core;
using ExPecto.Hosting;
using ExPecto.Protocol.Processing;
using ExPecto.TestHooks;
using ExPecto.Testing;
using Microsoft.Extensions.Configuration;

namespace ExPecto.Cluster.Tests.Protocol;

/// <summary>
/// The test engines and fault hooks live in ExPecto.TestHooks only (tests/ExPecto.TestHooks), which a node loads from
/// a path under an explicit switch: no production assembly holds or references them, no executable ships them, and
/// without the switch their settings and engine are refused.
/// </summary>
public sealed class TestHooksTests
{
    /// <summary>Names of the fake engine and the fault hooks (types, their members, options), matched case-insensitively.</summary>
    private static readonly string[] s_forbidden = ["Fake", "CrashAtCommit", "CommitCrash", "HangGenes"];

    /// <summary>
    /// Every ExPecto assembly the three executables ship (Core, Protocol, Hosting, Mutagenesis, Worker, Admin, Beluga,
    /// Analysis, the executables themselves…): a shipped ExPecto.TestHooks.dll would be scanned too, and fail.
    /// </summary>
    private static string[] Executables => [Processes.NodeProcess.Expecto, Processes.NodeProcess.Worker, Processes.NodeProcess.Seed];

    private static List<string> ProductionAssemblies()
    {
        var dlls = Executables
            .SelectMany(exe => Directory.EnumerateFiles(Path.GetDirectoryName(exe)!, "*.dll")
                .Where(f => Path.GetFileName(f).StartsWith("ExPecto.", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("expecto", StringComparison.Ordinal)))
            .ToList();
        // The scan covers what the issue names; a build that shipped fewer assemblies would make it vacuous.
        foreach (string name in new[] { "ExPecto.Protocol", "ExPecto.Hosting", "ExPecto.Mutagenesis", "ExPecto.Worker", "expecto", "expecto-worker", "expecto-seed" })
            Assert.Contains(dlls, f => Path.GetFileNameWithoutExtension(f) == name);
        return dlls;
    }

    /// <summary>Every type, field, property and method name defined in an assembly, and the assemblies it references, from its metadata.</summary>
    private static (List<string> Names, List<string> References) Read(string dll)
    {
        using var stream = File.OpenRead(dll);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new List<string>();
        foreach (var h in md.TypeDefinitions)
        {
            var t = md.GetTypeDefinition(h);
            string type = md.GetString(t.Namespace) + "." + md.GetString(t.Name);
            names.Add(type);
            names.AddRange(t.GetFields().Select(f => type + "." + md.GetString(md.GetFieldDefinition(f).Name)));
            names.AddRange(t.GetProperties().Select(p => type + "." + md.GetString(md.GetPropertyDefinition(p).Name)));
            names.AddRange(t.GetMethods().Select(m => type + "." + md.GetString(md.GetMethodDefinition(m).Name)));
        }
        var references = md.AssemblyReferences.Select(r => md.GetString(md.GetAssemblyReference(r).Name)).ToList();
        return (names, references);
    }

    private static List<string> Offending(IEnumerable<string> names) =>
        names.Where(n => s_forbidden.Any(f => n.Contains(f, StringComparison.OrdinalIgnoreCase))).ToList();

    [Fact]
    public void No_production_assembly_holds_or_references_the_fake_engine_or_a_fault_hook()
    {
        foreach (string dll in ProductionAssemblies())
        {
            var (names, references) = Read(dll);
            Assert.True(names.Count > 10, $"{dll}: read no metadata");
            Assert.True(Offending(names).Count == 0, $"{Path.GetFileName(dll)} holds test-hook names: {string.Join(", ", Offending(names))}");
            Assert.DoesNotContain(TestHookSwitch.AssemblyName, references);
        }
        // The scan finds them where they are (it is not blind), and there is the entry type the switch instantiates.
        var (hooks, _) = Read(typeof(NodeTestHooks).Assembly.Location);
        Assert.Contains("ExPecto.TestHooks.FakeGeneProcessor", hooks);
        Assert.Contains("ExPecto.TestHooks.TestHooksOptions.CrashAtCommit", hooks);
        Assert.Contains("ExPecto.TestHooks.TestHooksOptions.HangGenes", hooks);
        Assert.Equal(TestHookSwitch.EntryType, typeof(NodeTestHooks).FullName);
        Assert.Equal(TestHookSwitch.AssemblyName, typeof(NodeTestHooks).Assembly.GetName().Name);
    }

    [Fact]
    public void No_executable_ships_the_test_hooks_assembly_or_lists_it_in_its_deps()
    {
        foreach (string exe in Executables)
        {
            string dir = Path.GetDirectoryName(exe)!;
            var shipped = Directory.EnumerateFiles(dir, TestHookSwitch.AssemblyName + ".*", SearchOption.AllDirectories).ToList();
            Assert.True(shipped.Count == 0, $"{exe} ships {string.Join(", ", shipped)}");
            string depsFile = Path.ChangeExtension(exe, ".deps.json");
            string deps = File.ReadAllText(depsFile);
            Assert.Contains("ExPecto.Hosting", deps); // the file read is the one listing the node's own assemblies
            Assert.DoesNotContain(TestHookSwitch.AssemblyName, deps);
        }
    }

    [Fact]
    public void No_production_project_references_the_test_hooks_project()
    {
        var projects = Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "src"), "*.csproj", SearchOption.AllDirectories).ToList();
        Assert.Contains(projects, p => Path.GetFileName(p) == "ExPecto.Hosting.csproj");
        foreach (string project in projects)
            Assert.False(File.ReadAllText(project).Contains(TestHookSwitch.AssemblyName, StringComparison.OrdinalIgnoreCase),
                $"{project} names {TestHookSwitch.AssemblyName}: it would ship in production builds");
        // The hooks are built from tests/, where this test project references them.
        string hooksProject = Path.Combine(TestPaths.RepoRoot, "tests", TestHookSwitch.AssemblyName, TestHookSwitch.AssemblyName + ".csproj");
        Assert.True(File.Exists(hooksProject), $"{hooksProject} missing");
        Assert.Contains(TestHookSwitch.AssemblyName + ".csproj",
            File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "tests", "ExPecto.Cluster.Tests", "ExPecto.Cluster.Tests.csproj")));
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Theory]
    [InlineData("TestHooks:CrashAtCommit", "configuration TestHooks:CrashAtCommit (EXPECTO_TESTHOOKS__CRASHATCOMMIT) is a test hook")]
    [InlineData("TestHooks:HangGenes", "configuration TestHooks:HangGenes (EXPECTO_TESTHOOKS__HANGGENES) is a test hook")]
    [InlineData("Coordinator:CrashAtCommit", "it is now TestHooks:CrashAtCommit (EXPECTO_TESTHOOKS__CRASHATCOMMIT)")]
    [InlineData("Worker:FakeDelay", "it is now TestHooks:FakeDelay")]
    public void Without_the_switch_a_test_hook_setting_is_refused(string key, string message)
    {
        var e = Assert.Throws<InputException>(() => TestHookSwitch.Resolve(Config((key, "4")), enabled: false, "node"));
        Assert.Contains(message, e.Message);
        Assert.Contains("--enable-test-hooks or EXPECTO_TEST_HOOKS=1", e.Message);
    }

    [Fact]
    public void Without_the_switch_and_without_test_hook_settings_a_node_gets_no_hooks()
    {
        Assert.Null(TestHookSwitch.Resolve(Config(("Coordinator:MaxAttempts", "3")), enabled: false, "node"));
    }

    [Fact]
    public void With_the_switch_the_hooks_are_loaded_and_armed_from_their_section()
    {
        var hooks = TestHookSwitch.Resolve(Config(("TestHooks:CrashAtCommit", "4"), ("TestHooks:CrashAtCommitPoint", "BeforePersist")), enabled: true, "node");
        Assert.IsType<NodeTestHooks>(hooks);
        Assert.IsType<CommitCrashHook>(hooks.CommitHook);
        Assert.Contains("crash at commit 4 BeforePersist", hooks.Describe());
        Assert.Contains(FakeGeneProcessor.EngineName, new EngineCatalog().WithTestEngines(hooks).Engines);
    }

    [Fact]
    public void The_flag_is_taken_out_of_a_roles_arguments()
    {
        var (args, enabled) = TestHookSwitch.Strip(["--coordinator", "h:1", "--enable-test-hooks", "--device", "cpu"]);
        Assert.True(enabled);
        Assert.Equal(["--coordinator", "h:1", "--device", "cpu"], args);
    }

    private static EngineCatalog Production() =>
        ExPecto.Mutagenesis.MutagenesisGeneProcessorFactory.RegisterAll(new EngineCatalog()).WithTestEngines(null);

    private static Dictionary<string, string> Params(params (string Key, string Value)[] values) => values.ToDictionary(v => v.Key, v => v.Value);

    [Fact]
    public void Without_the_switch_the_fake_engine_is_unknown_and_the_error_says_how_to_get_it()
    {
        var e = Assert.Throws<InputException>(() => Production().Check("fake", Params(), "job.json"));
        Assert.Equal("job.json: unknown engine 'fake'; expected one of incremental, naive " +
                     "(test engines are offered only by nodes started with --enable-test-hooks or EXPECTO_TEST_HOOKS=1)", e.Message);
    }

    [Fact]
    public async Task A_worker_without_the_switch_refuses_a_fake_engine_gene_that_got_past_the_submit_checks()
    {
        var spec = new JobSpec("g", "a", "w", "m", "/nonexistent", 10, 0.3, "fake", 4) { Parameters = Params(("fake.failGenes", "*")) };
        var processor = Production().ForDevice("cpu");
        var e = await Assert.ThrowsAsync<InputException>(() => processor.ProcessAsync(new GeneWorkItem("j1", "g1", "chr1", spec), CancellationToken.None));
        Assert.StartsWith("job j1: unknown engine 'fake'", e.Message);
    }

    [Fact]
    public void A_parameter_the_engine_does_not_read_is_refused_naming_it_the_engine_and_what_it_reads()
    {
        var real = Assert.Throws<InputException>(() => Production().Check("incremental", Params(("fake.delayMs", "5"))));
        Assert.Equal("engine 'incremental' does not read parameter 'fake.delayMs'; it reads no parameters", real.Message);

        var fake = Assert.Throws<InputException>(() => FakeEngine.Catalog().Check("fake", Params(("fake.delayMs", "5"), ("fake.delay", "5"))));
        Assert.Equal("engine 'fake' does not read parameter 'fake.delay'; it reads fake.delayMs, fake.failGenes", fake.Message);

        FakeEngine.Catalog().Check("fake", Params(("fake.delayMs", "5"), ("fake.failGenes", "g1")));
        Production().Check("naive", Params());
    }
}
