using ExPecto.TestHooks;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExPecto.Admin;
using ExPecto.Admin.Client;
using ExPecto.Protocol.Jobs;
using ExPecto.Protocol.Processing;

namespace ExPecto.Cluster.Tests.Processes;

/// <summary>
/// An operator's session on a real loopback cluster (seed, coordinator, two workers as processes, each serving its
/// admin console on a free port), driven only by `expecto admin`: membership, token refusal, job submit from a
/// spec file, workers, pause (leasing stops), resume (the job completes), a member leaving. Phases run in order on
/// one cluster; each waits by polling, never by a fixed sleep.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed partial class AdminConsoleTests(ClusterFixture fixture) : IDisposable
{
    private const string Token = "admin-test-token-4711";
    // Long enough that 16 genes on two workers outlast a slow `expecto admin` start between submit and pause.
    private const int GeneDelayMs = 1000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempDir _tmp = new();
    private readonly List<NodeProcess> _nodes = [];

    public void Dispose()
    {
        foreach (var n in _nodes) n.Dispose();
        _tmp.Dispose();
    }

    [GeneratedRegex(@"admin endpoint: (?<ep>\S+)")]
    private static partial Regex EndpointLine();

    private sealed record Node(NodeProcess Process, string Admin);

    private NodeProcess Start(string name, string dll, IEnumerable<string> args, Dictionary<string, string> env)
    {
        var process = NodeProcess.Start(name, dll, [.. args, "--admin", "127.0.0.1:0"], env);
        _nodes.Add(process);
        return process;
    }

    private async Task<Node> EndpointOfAsync(NodeProcess process, string name)
    {
        string? endpoint = null;
        await WaitForAsync(() => (endpoint = EndpointLine().Match(process.Log) is { Success: true } m ? m.Groups["ep"].Value : null) is not null,
            $"{name} to log its admin endpoint");
        return new Node(process, endpoint!);
    }

    [Fact]
    public async Task An_operator_drives_a_loopback_cluster_with_expecto_admin_only()
    {
        var env = ClusterFixture.FastEnv(null);
        env["EXPECTO_TESTHOOKS__FAKEDELAY"] = "00:00:00";
        env[AdminOptions.TokenEnvironmentVariable] = Token; // the nodes' expected token
        string tokenFile = _tmp.Sub("token");
        File.WriteAllText(tokenFile, Token + "\n");
        string wrongTokenFile = _tmp.Sub("wrong-token");
        File.WriteAllText(wrongTokenFile, "not-the-token\n");

        // Phase 1: the cluster, every node with its console on a free port.
        int seedPort = NodeProcess.FreePort(), coordPort = NodeProcess.FreePort();
        string contacts = $"127.0.0.1:{seedPort},127.0.0.1:{coordPort}";
        // Seed and coordinator bind their chosen ports before the workers ask the OS for free ones: a worker on
        // port 0 could otherwise be handed the port FreePort just picked for the seed.
        var anchors = new[]
        {
            Start("seed", NodeProcess.Seed, ["--port", seedPort.ToString()], env),
            Start("coordinator", NodeProcess.Expecto,
                ["serve", "--port", coordPort.ToString(), "--seed", $"127.0.0.1:{seedPort}", "--state", _tmp.Sub("state/checkpoints.db")], env),
        };
        var nodes = new List<Node>();
        foreach (var p in anchors) nodes.Add(await EndpointOfAsync(p, p.Name));
        var workerProcesses = new[]
        {
            Start("worker1", NodeProcess.Worker, ["--coordinator", contacts, "--device", "cpu", "--slots", "1"], env),
            Start("worker2", NodeProcess.Worker, ["--coordinator", contacts, "--device", "cpu", "--slots", "1"], env),
        };
        foreach (var p in workerProcesses) nodes.Add(await EndpointOfAsync(p, p.Name));
        var (seed, coordinator) = (nodes[0], nodes[1]);
        Assert.Equal(4, nodes.Select(n => n.Admin).Distinct().Count());

        // Phase 2: `cluster show` lists the four members Up (read-only: no token on loopback).
        await WaitForAsync(async () => (await JsonAsync(seed.Admin, "cluster", "show"))?.AsArray().Count(m => (string?)m!["status"] == "Up") == 4,
            "four members Up in `cluster show`");
        var show = await ExpectoAdminAsync(seed.Admin, "cluster", "show");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("4 member(s), 0 unreachable", show.Out);
        foreach (string role in new[] { "seed", "coordinator", "worker" })
            Assert.Contains(role, show.Out);

        // Phase 3: `workers` lists both workers with their fields.
        await WaitForAsync(async () => (await JsonAsync(coordinator.Admin, "workers"))?.AsArray().Count == 2, "two workers in `workers`");
        var workers = await ExpectoAdminAsync(coordinator.Admin, "workers", "--json");
        Assert.Equal(0, workers.ExitCode);
        var workerRows = JsonNode.Parse(workers.Out)!.AsArray();
        Assert.All(workerRows, w =>
        {
            Assert.StartsWith("akka.tcp://expecto@127.0.0.1:", (string?)w!["address"]);
            Assert.Equal("cpu", (string?)w["device"]);
            foreach (string field in new[] { "batchSize", "mutationsPerSecond", "genesDone", "errors" })
                Assert.NotNull(w[field]);
        });
        var workerTable = await HumanAsync(coordinator.Admin, "workers");
        foreach (string column in new[] { "Address", "Device", "BatchSize", "CurrentGene", "MutationsPerSecond", "GenesDone", "Errors" })
            Assert.Contains(column, workerTable.Out);

        // Phase 4: a mutating command without the token, or with a wrong one, is refused in one line.
        string outDir = _tmp.Sub("out");
        string specFile = _tmp.Sub("job.json");
        File.WriteAllText(specFile, new JsonObject
        {
            ["genome"] = fixture.Inputs.Genome, ["annotation"] = fixture.Inputs.Annotation, ["beluga"] = fixture.Inputs.Weights,
            ["models"] = fixture.Inputs.Models, ["genes"] = fixture.Inputs.GenesFile, ["out"] = outDir, ["radius"] = 10,
            ["threshold"] = 0.3, ["engine"] = FakeGeneProcessor.EngineName, ["batchSize"] = 4,
            ["params"] = new JsonObject { [FakeGeneProcessor.DelayParameter] = GeneDelayMs.ToString() },
        }.ToJsonString());
        var noToken = await ExpectoAdminAsync(coordinator.Admin, "job", "submit", specFile);
        Assert.NotEqual(0, noToken.ExitCode);
        Assert.Contains("needs the admin token", Assert.Single(noToken.ErrLines));
        var wrongToken = await ExpectoAdminAsync(coordinator.Admin, "job", "submit", specFile, "--token-file", wrongTokenFile);
        Assert.NotEqual(0, wrongToken.ExitCode);
        Assert.Equal("admin token refused", Assert.Single(wrongToken.ErrLines).Split(": ").Last());
        Assert.False(Directory.Exists(Path.Combine(outDir, "effects")), "a refused submit must not start the job");

        // Phase 5: with the token, `job submit` runs the spec file.
        var submit = await ExpectoAdminAsync(coordinator.Admin, "job", "submit", specFile, "--token-file", tokenFile, "--json");
        Assert.True(submit.ExitCode == 0, $"submit failed: {submit.Err}");
        string jobId = (string)JsonNode.Parse(submit.Out)!.AsArray().Single()!["id"]!;
        Assert.Matches("^j[0-9a-f]{16}$", jobId);

        // Phase 6: pause at once: leasing stops, genes in flight drain, nothing more commits.
        var pause = await ExpectoAdminAsync(coordinator.Admin, "job", "pause", jobId, "--token-file", tokenFile);
        Assert.True(pause.ExitCode == 0, $"pause failed: {pause.Err}");
        Assert.Contains($"job {jobId} paused", pause.Out);
        JsonNode? status = null;
        await WaitForAsync(async () => (int?)(status = await JsonAsync(coordinator.Admin, "job", "status", jobId))?["genesInFlight"] == 0,
            "no genes in flight after the pause");
        int doneWhenDrained = (int)status!["summary"]!["genesDone"]!;
        Assert.Equal("paused", (string?)status["summary"]!["state"]);
        Assert.True(doneWhenDrained < fixture.Genes, $"the job finished ({doneWhenDrained} genes) before the pause took effect");
        // Observe for several gene durations: while paused no lease is granted and no gene commits.
        var watchUntil = DateTime.UtcNow + TimeSpan.FromMilliseconds(4 * GeneDelayMs);
        while (DateTime.UtcNow < watchUntil)
        {
            status = await JsonAsync(coordinator.Admin, "job", "status", jobId);
            Assert.Equal(0, (int)status!["genesInFlight"]!);
            Assert.Equal(doneWhenDrained, (int)status["summary"]!["genesDone"]!);
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        var list = await HumanAsync(coordinator.Admin, "job", "list");
        Assert.Contains("Paused", list.Out);

        // Phase 7: resume; leasing restarts and the job completes.
        var resume = await ExpectoAdminAsync(coordinator.Admin, "job", "resume", jobId, "--token-file", tokenFile);
        Assert.True(resume.ExitCode == 0, $"resume failed: {resume.Err}");
        await WaitForAsync(async () => (string?)(await JsonAsync(coordinator.Admin, "job", "status", jobId))?["summary"]?["state"] == "completed",
            "the job to complete after resume");
        Assert.True(File.Exists(Path.Combine(outDir, JobManifest.SuccessMarker)));
        var done = await HumanAsync(coordinator.Admin, "job", "status", jobId);
        Assert.Contains($"{fixture.Genes}/{fixture.Genes} done", done.Out);
        var resumeAgain = await ExpectoAdminAsync(coordinator.Admin, "job", "resume", jobId, "--token-file", tokenFile);
        Assert.NotEqual(0, resumeAgain.ExitCode);
        Assert.Contains("not paused", Assert.Single(resumeAgain.ErrLines));

        // Phase 8: a worker leaves at the operator's word and disappears from `cluster show`.
        string leaving = (string)workerRows.Select(w => (string)w!["address"]!).Order(StringComparer.Ordinal).First();
        var leave = await ExpectoAdminAsync(seed.Admin, "cluster", "leave", leaving, "--wait", "30", "--token-file", tokenFile);
        Assert.True(leave.ExitCode == 0, $"leave failed: {leave.Err}");
        await WaitForAsync(async () => (await JsonAsync(seed.Admin, "cluster", "show"))?.AsArray() is { Count: 3 } members
                && members.All(m => (string?)m!["address"] != leaving),
            $"{leaving} gone from `cluster show`");
        var after = await ExpectoAdminAsync(seed.Admin, "cluster", "show");
        Assert.DoesNotContain(leaving, after.Out);
    }

    private sealed record CliRun(int ExitCode, string Out, string Err)
    {
        public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>`expecto admin ENDPOINT …` as a child process, as an operator types it.</summary>
    private static async Task<CliRun> ExpectoAdminAsync(string endpoint, params string[] words)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { NodeProcess.Expecto, "admin", endpoint }.Concat(words)) psi.ArgumentList.Add(a);
        psi.Environment.Remove(AdminOptions.TokenEnvironmentVariable);
        psi.Environment.Remove(AdminOptions.TokenFileEnvironmentVariable);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A read-only command's table output (in-process client, same code as the CLI).</summary>
    private static async Task<CliRun> HumanAsync(string endpoint, params string[] words)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int rc = await AdminCli.RunAsync([endpoint, .. words], new StringReader(""), stdout, stderr, TestContext.Current.CancellationToken);
        return new CliRun(rc, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A read-only command's --json output for polling (in-process client, same code as the CLI); null on error.</summary>
    private static async Task<JsonNode?> JsonAsync(string endpoint, params string[] words)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int rc = await AdminCli.RunAsync([endpoint, .. words, "--json"], new StringReader(""), stdout, stderr, TestContext.Current.CancellationToken);
        return rc == 0 ? JsonNode.Parse(stdout.ToString()) : null;
    }

    private Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);

    private async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what}\n" +
                    string.Join("\n", _nodes.Select(n => $"===== {n.Name} =====\n{n.Tail(3000)}")));
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }
}
