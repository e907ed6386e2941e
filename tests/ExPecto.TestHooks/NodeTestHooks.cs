using System.Globalization;
using ExPecto.Hosting;
using ExPecto.Protocol.Processing;
using Microsoft.Extensions.Configuration;

namespace ExPecto.TestHooks;

/// <summary>
/// The hooks a node gets under the switch (created by name by <see cref="TestHookSwitch.Resolve"/>): the fake
/// engine with <see cref="TestHooksOptions.FakeDelay"/> and <see cref="TestHooksOptions.HangGenes"/>, and the commit
/// crash of <see cref="TestHooksOptions.CrashAtCommit"/>.
/// </summary>
public sealed class NodeTestHooks : ITestHooks
{
    private readonly TestHooksOptions _options;

    public NodeTestHooks(IConfiguration configuration)
        : this(ExPectoHostingExtensions.Bind<TestHooksOptions>(configuration, TestHookSwitch.Section))
    {
    }

    public NodeTestHooks(TestHooksOptions options)
    {
        _options = options;
        CommitHook = options.CrashAtCommit > 0 ? new CommitCrashHook(options.CrashAtCommit, options.CrashAtCommitPoint) : ICommitHook.None;
    }

    public ICommitHook CommitHook { get; }

    public EngineCatalog RegisterEngines(EngineCatalog catalog) =>
        catalog.Register(FakeGeneProcessor.EngineName, new FakeGeneProcessorFactory(_options.FakeDelay, FakeGeneProcessor.HangPredicate(_options.HangGenes)));

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"engine '{FakeGeneProcessor.EngineName}' (delay {_options.FakeDelay}, hang genes '{_options.HangGenes ?? ""}'), " +
        $"crash at commit {(_options.CrashAtCommit > 0 ? $"{_options.CrashAtCommit} {_options.CrashAtCommitPoint}" : "off")}");
}

/// <summary>The fake engine for in-process tests and benchmarks (which reference this assembly themselves).</summary>
public static class FakeEngine
{
    /// <summary>Registers the fake engine with <paramref name="delay"/> per gene.</summary>
    public static EngineCatalog WithFakeEngine(this EngineCatalog catalog, TimeSpan delay = default) =>
        catalog.Register(FakeGeneProcessor.EngineName, new FakeGeneProcessorFactory(delay));

    /// <summary>A catalog with only the fake engine.</summary>
    public static EngineCatalog Catalog(TimeSpan delay = default) => new EngineCatalog().WithFakeEngine(delay);
}
