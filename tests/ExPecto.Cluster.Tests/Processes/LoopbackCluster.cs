using System.Text.Json;
using System.Text.RegularExpressions;
using ExPecto.Protocol.Jobs;

namespace ExPecto.Cluster.Tests.Processes;

/// <summary>
/// The process tests' harness: starts the role executables on 127.0.0.1 (seed, coordinator, workers, CLI), keeps
/// every node for failure messages and kills what is left at dispose, and compares an output folder with the
/// fixture's uninterrupted reference run.
/// </summary>
internal sealed class LoopbackCluster(ReferenceRunFixture? fixture = null) : IDisposable
{
    private ReferenceRunFixture Fixture => fixture ?? throw new InvalidOperationException("this cluster has no fake-engine reference fixture");
    private readonly TempDir _tmp = new();
    private readonly List<NodeProcess> _nodes = [];
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public int SeedPort { get; } = NodeProcess.FreePort();
    public int CoordinatorPort { get; } = NodeProcess.FreePort();
    public string Contacts => $"127.0.0.1:{SeedPort},127.0.0.1:{CoordinatorPort}";
    public string State => _tmp.Sub("state/checkpoints.db");
    public NodeProcess Seed { get; private set; } = null!;
    public NodeProcess Coordinator { get; private set; } = null!;
    public List<NodeProcess> Workers { get; } = [];

    public string Sub(string name) => _tmp.Sub(name);

    public void Dispose()
    {
        foreach (var n in _nodes) n.Dispose();
        KeepLogs();
        _tmp.Dispose();
    }

    /// <summary>With EXPECTO_TEST_LOGS=DIR, every node's whole log is kept under DIR/{test}/ (failure messages carry only tails).</summary>
    private void KeepLogs()
    {
        string? dir = Environment.GetEnvironmentVariable("EXPECTO_TEST_LOGS");
        if (string.IsNullOrWhiteSpace(dir)) return;
        // A theory's arguments (sqlite/postgresql) are in the display name: variants do not overwrite each other.
        string method = TestContext.Current.Test?.TestCase.TestMethodName ?? "test";
        string display = TestContext.Current.Test?.TestDisplayName ?? "";
        int args = display.IndexOf('(', StringComparison.Ordinal);
        string name = Regex.Replace(args >= 0 ? method + display[args..] : method, @"[^A-Za-z0-9_.-]+", "_").TrimEnd('_');
        string target = Path.Combine(dir, name);
        Directory.CreateDirectory(target);
        foreach (var n in _nodes) File.WriteAllText(Path.Combine(target, n.Name + ".log"), n.Log);
    }

    public NodeProcess Start(string name, string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string> env)
    {
        var node = NodeProcess.Start(name, dll, args, env);
        _nodes.Add(node);
        return node;
    }

    /// <summary>
    /// Seed, coordinator and <paramref name="workers"/> workers, all with <paramref name="env"/>, except what
    /// <paramref name="coordinatorEnv"/> and <paramref name="workerEnv"/> (by worker index) override.
    /// </summary>
    public void StartAll(IReadOnlyDictionary<string, string> env, int workers = 2,
        IReadOnlyDictionary<string, string>? coordinatorEnv = null, Func<int, IReadOnlyDictionary<string, string>>? workerEnv = null)
    {
        StartSeed(env);
        StartCoordinator(coordinatorEnv is null ? env : Merge(env, coordinatorEnv));
        for (int i = 0; i < workers; i++)
            StartWorker($"worker{i + 1}", workerEnv is null ? env : Merge(env, workerEnv(i)));
    }

    public NodeProcess StartSeed(IReadOnlyDictionary<string, string> env) =>
        Seed = Start("seed", NodeProcess.Seed, ["--port", SeedPort.ToString()], env);

    public static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> env, IReadOnlyDictionary<string, string> extra)
    {
        var merged = new Dictionary<string, string>(env);
        foreach (var kv in extra) merged[kv.Key] = kv.Value;
        return merged;
    }

    public NodeProcess StartCoordinator(IReadOnlyDictionary<string, string> env)
    {
        Coordinator = Start($"coordinator-{_nodes.Count(n => n.Name.StartsWith("coordinator", StringComparison.Ordinal)) + 1}",
            NodeProcess.Expecto, ["serve", "--port", CoordinatorPort.ToString(), "--seed", $"127.0.0.1:{SeedPort}", "--state", State], env);
        _restartable[Coordinator] = () => StartCoordinator(env);
        return Coordinator;
    }

    public NodeProcess StartWorker(string name, IReadOnlyDictionary<string, string> env)
    {
        var worker = Start(name, NodeProcess.Worker, ["--coordinator", Contacts, "--device", "cpu"], env);
        Workers.Add(worker);
        _restartable[worker] = () => StartWorker(name + "+", env);
        return worker;
    }

    /// <summary>The line a node prints when it gives up joining (Cluster:ShutdownAfterUnsuccessfulJoinSeedNodes) and exits.</summary>
    public const string GaveUpJoining = "could not join the cluster through";

    private readonly Dictionary<NodeProcess, Func<NodeProcess>> _restartable = [];

    /// <summary>
    /// The supervisor's part, as Kubernetes restarts a pod that exits: a coordinator or worker that gave up joining
    /// (restarted too quickly on the same address, docs/cluster.md "A node that cannot join") is started again.
    /// </summary>
    private void RestartNodesThatGaveUpJoining()
    {
        foreach (var (node, restart) in _restartable.ToList())
        {
            if (!node.HasExited || !node.Log.Contains(GaveUpJoining, StringComparison.Ordinal)) continue;
            _restartable.Remove(node);
            Workers.Remove(node);
            Note($"{node.Name} gave up joining (exit {node.ExitCode}); starting it again, as its supervisor would");
            restart();
        }
    }

    /// <summary>
    /// Waits until the current coordinator exits other than by giving up joining, and returns that incarnation. A
    /// coordinator restarted on the same address can fail to rejoin (docs/cluster.md, "A node that cannot join"): it
    /// exits 255 and <see cref="WaitForAsync"/> starts it again with the same settings (fault hooks included), so the
    /// exit a fault test is about comes from the restarted incarnation.
    /// </summary>
    public async Task<NodeProcess> WaitForCoordinatorExitAsync(TimeSpan timeout, string what)
    {
        await WaitForAsync(() => Coordinator.HasExited && Coordinator.ExitCode != GaveUpExitCode, timeout, what);
        return Coordinator;
    }

    /// <summary>The exit code of a node that gave up joining.</summary>
    public const int GaveUpExitCode = 255;

    /// <summary>Submits the fixture's job (without waiting for it) and returns its id.</summary>
    public Task<string> SubmitAsync(string outDir, IReadOnlyDictionary<string, string> env) =>
        SubmitAsync(Fixture.Inputs.CliArgs(outDir), env);

    /// <summary>Submits a job given by its CLI arguments (without waiting for it) and returns its id.</summary>
    public async Task<string> SubmitAsync(IEnumerable<string> jobArgs, IReadOnlyDictionary<string, string> env)
    {
        var submit = Start("submit", NodeProcess.Expecto, ["submit", "--seed", $"127.0.0.1:{SeedPort}", .. jobArgs], env);
        int rc = await submit.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.True(rc == 0, $"submit exited {rc}:\n{submit.Tail()}");
        var m = Regex.Match(submit.Log, @"(?m)^(j[0-9a-f]{16})\t(submitted|known)");
        Assert.True(m.Success, $"submit printed no job id:\n{submit.Tail()}");
        Note($"submitted {m.Groups[1].Value}");
        return m.Groups[1].Value;
    }

    /// <summary>Lines of every coordinator incarnation's log matching a pattern.</summary>
    public IReadOnlyList<string> CoordinatorLines(string pattern) =>
        _nodes.Where(n => n.Name.StartsWith("coordinator", StringComparison.Ordinal))
            .SelectMany(n => n.Log.Split('\n'))
            .Where(l => Regex.IsMatch(l, pattern))
            .ToList();

    public static int GeneFiles(string outDir) =>
        Directory.Exists(Path.Combine(outDir, "effects"))
            ? Directory.EnumerateFiles(Path.Combine(outDir, "effects"), "*.tsv", SearchOption.AllDirectories).Count()
            : 0;

    public static bool Succeeded(string outDir) => File.Exists(Path.Combine(outDir, JobManifest.SuccessMarker));

    public async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            RestartNodesThatGaveUpJoining();
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out after {timeout} waiting for {what}\n{Logs()}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Note(what);
    }

    /// <summary>A timestamped line in the test's output (seconds since the cluster started), for runtimes and post-mortems.</summary>
    public void Note(string what) => TestContext.Current.TestOutputHelper?.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1} s  {what}");

    /// <summary>The tail of every node's log, for failure messages.</summary>
    public string Logs(int chars = 3000) => string.Join("\n", _nodes.Select(n => $"===== {n.Name} =====\n{n.Tail(chars)}"));

    /// <summary>Every gene file and the manifest equal the uninterrupted run's, each gene listed exactly once.</summary>
    public void AssertEqualsReference(string outDir)
    {
        var actual = OutputSnapshot.Of(outDir);
        Assert.Equal(Fixture.Reference.Keys, actual.Keys);
        Assert.Equal(Fixture.Reference, actual);
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, JobManifest.FileName)));
        var genes = manifest.RootElement.GetProperty("geneResults").EnumerateArray().Select(g => g.GetProperty("gene").GetString()).ToList();
        Assert.Equal(Fixture.Inputs.Genes.Select(g => g.GeneId).Order(StringComparer.Ordinal), genes);
        Assert.Equal(Fixture.Genes, GeneFiles(outDir));
    }
}
