using System.Reflection;
using System.Runtime.Loader;
using ExPecto.Core;
using ExPecto.Protocol.Processing;
using Microsoft.Extensions.Configuration;

namespace ExPecto.Hosting;

/// <summary>
/// Called on both sides of every gene commit of a coordinator: after the commit was decided and before its event
/// is persisted, and after it is in the journal but before anyone hears of it. Production nodes use
/// <see cref="None"/>; only a node started with the test-hooks switch gets another (<see cref="TestHookSwitch"/>).
/// </summary>
public interface ICommitHook
{
    void BeforePersist(string jobId, string geneId);

    void AfterPersist(string jobId, string geneId);

    /// <summary>The hook of production nodes: does nothing.</summary>
    public static readonly ICommitHook None = new NoCommitHook();

    private sealed class NoCommitHook : ICommitHook
    {
        public void BeforePersist(string jobId, string geneId)
        {
        }

        public void AfterPersist(string jobId, string geneId)
        {
        }
    }
}

/// <summary>
/// What a test-hooks assembly plugs into a node: extra engines (the deterministic stand-in for the science, with
/// its fault parameters) and the commit hook. Implemented outside the production assemblies (ExPecto.TestHooks)
/// by a public type named <see cref="TestHookSwitch.EntryType"/> with a constructor taking the node's
/// <see cref="IConfiguration"/> (it binds section <see cref="TestHookSwitch.Section"/>).
/// </summary>
public interface ITestHooks
{
    /// <summary>Registers the test engines beside the real ones.</summary>
    EngineCatalog RegisterEngines(EngineCatalog catalog);

    /// <summary>The commit hook of a coordinator (fault injection inside a commit's window).</summary>
    ICommitHook CommitHook { get; }

    /// <summary>One line naming what is armed, for the start-up warning.</summary>
    string Describe();
}

/// <summary>
/// The explicit switch that lets a node load the test hooks: <c>--enable-test-hooks</c> on the command line or
/// <c>EXPECTO_TEST_HOOKS=1</c>. Without it a node refuses every <c>TestHooks:*</c> setting (and the keys those
/// settings had before they moved there) with one error line: a production node cannot be made to crash, hang or
/// fail genes on purpose by a configuration value alone, and it never offers the test engines.
/// </summary>
/// <remarks>
/// ExPecto.TestHooks.dll is built from tests/ExPecto.TestHooks and never shipped: no production project references it
/// (so it is in no executable's output or deps.json) and no production code names a type of it. Under the switch it
/// is loaded from a path, <c>EXPECTO_TEST_HOOKS_ASSEMBLY</c> or beside the executable; its own dependencies
/// (ExPecto.Hosting, Protocol, Core) bind to the node's copies. Tests read the executables' outputs and the
/// production assemblies' metadata to keep it so.
/// </remarks>
public static class TestHookSwitch
{
    public const string Flag = "--enable-test-hooks";
    public const string EnvironmentVariable = "EXPECTO_TEST_HOOKS";
    public const string Section = "TestHooks";
    public const string AssemblyName = "ExPecto.TestHooks";
    /// <summary>Full path of ExPecto.TestHooks.dll; unset: beside the executable.</summary>
    public const string AssemblyPathVariable = "EXPECTO_TEST_HOOKS_ASSEMBLY";
    public const string EntryType = "ExPecto.TestHooks.NodeTestHooks";

    /// <summary>Keys that held test hooks before they moved to <see cref="Section"/>; refused with a pointer to the new key.</summary>
    private static readonly (string Old, string New)[] s_moved =
    [
        ("Coordinator:CrashAtCommit", "TestHooks:CrashAtCommit"),
        ("Coordinator:CrashAtCommitPoint", "TestHooks:CrashAtCommitPoint"),
        ("Worker:FakeHangGenes", "TestHooks:HangGenes"),
        ("Worker:FakeDelay", "TestHooks:FakeDelay"),
    ];

    /// <summary>True when <c>EXPECTO_TEST_HOOKS</c> is 1 or true.</summary>
    public static bool FromEnvironment() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim().ToLowerInvariant() is "1" or "true";

    /// <summary>
    /// Removes <see cref="Flag"/> from a role's arguments (the configuration binder would take the next argument as
    /// its value) and says whether the switch is on, by the flag or the environment.
    /// </summary>
    public static (string[] Args, bool Enabled) Strip(string[] args)
    {
        var rest = args.Where(a => a != Flag).ToArray();
        return (rest, rest.Length != args.Length || FromEnvironment());
    }

    /// <summary>
    /// The node's test hooks: null when the switch is off (after refusing any test-hook setting), else the hooks
    /// loaded from <see cref="AssemblyName"/>, announced by a warning line.
    /// </summary>
    public static ITestHooks? Resolve(IConfiguration configuration, bool enabled, string node)
    {
        if (!enabled)
        {
            Refuse(configuration);
            return null;
        }
        var assembly = LoadAssembly(node);
        var type = assembly.GetType(EntryType, throwOnError: true)!;
        var hooks = (ITestHooks)Activator.CreateInstance(type, configuration)!;
        ExPecto.Admin.Logging.NodeLog.Write("warning",
            $"{node}: WARNING: TEST HOOKS ENABLED ({Flag} or {EnvironmentVariable}=1). This node offers the fake engine and " +
            $"can be made to crash, hang or fail genes on purpose by configuration and job parameters; never run it in production. Armed: {hooks.Describe()}");
        return hooks;
    }

    /// <summary>Where the switch looks for the hooks: <see cref="AssemblyPathVariable"/>, else beside the executable.</summary>
    public static (string Path, string Source) AssemblyLocation(string node)
    {
        string? path = Environment.GetEnvironmentVariable(AssemblyPathVariable);
        return string.IsNullOrWhiteSpace(path)
            ? (Path.Combine(AppContext.BaseDirectory, AssemblyName + ".dll"), $"beside {node}")
            : (Path.GetFullPath(path.Trim()), AssemblyPathVariable);
    }

    private static Assembly LoadAssembly(string node)
    {
        var (path, source) = AssemblyLocation(node);
        if (!File.Exists(path))
            throw new InputException($"{Flag} ({EnvironmentVariable}=1): {AssemblyName}.dll not found at {path} ({source}); it is built from " +
                                     $"tests/{AssemblyName} and never shipped: set {AssemblyPathVariable} to the full path of that build's {AssemblyName}.dll");
        // A process that references the hooks (tests, benches) has them loaded already, and the default context
        // takes one assembly of a name.
        var loaded = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => a.GetName().Name == AssemblyName);
        if (loaded is not null) return loaded;
        try
        {
            // Load by path: a name-only load probes just the files listed in the node's deps.json, which omits it.
            return AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
        }
        catch (BadImageFormatException)
        {
            throw new InputException($"{Flag}: {path} ({source}) is not a .NET assembly; expected the {AssemblyName}.dll built from tests/{AssemblyName}");
        }
    }

    /// <summary>
    /// The catalog a node offers: <paramref name="catalog"/>'s real engines, and the test engines when the switch
    /// loaded <paramref name="hooks"/>; without them a job naming a test engine is told how to get it.
    /// </summary>
    public static EngineCatalog WithTestEngines(this EngineCatalog catalog, ITestHooks? hooks)
    {
        if (hooks is not null) return hooks.RegisterEngines(catalog);
        catalog.MissingEngineHint = $"test engines are offered only by nodes started with {Flag} or {EnvironmentVariable}=1";
        return catalog;
    }

    /// <summary>Throws for the first test-hook setting present in <paramref name="configuration"/>.</summary>
    public static void Refuse(IConfiguration configuration)
    {
        foreach (var entry in configuration.GetSection(Section).AsEnumerable())
            if (entry.Value is not null)
                throw Refusal(entry.Key);
        foreach (var (old, now) in s_moved)
            if (configuration[old] is not null)
                throw Refusal(old, $"; it is now {now} ({OptionsValidation.EnvironmentName(now)})");
    }

    private static InputException Refusal(string key, string? moved = null) =>
        new($"configuration {key} ({OptionsValidation.EnvironmentName(key)}) is a test hook (it can make this node crash, hang or " +
            $"fail genes on purpose) and is refused{moved}: start the node with {Flag} or {EnvironmentVariable}=1 to use it");
}
