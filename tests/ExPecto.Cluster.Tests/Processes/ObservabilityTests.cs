using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ExPecto.Cluster.Tests.Processes;

/// <summary>
/// What operators and log shippers see of real role processes (seed, coordinator, worker on loopback):
/// `GET /metrics` parsed by the reference Prometheus parser (Debian's python3-prometheus-client,
/// `text_string_to_metric_families`) — the contract's names, types and labels before any job, counters moved by
/// what a job did; `submit --wait` progress lines when stderr is not a terminal; `--log-format json` lines.
/// </summary>
[Collection(ProcessCollection.Name)]
public sealed partial class ObservabilityTests(ClusterFixture fixture) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly LoopbackCluster _cluster = new(fixture);

    public void Dispose() => _cluster.Dispose();

    [GeneratedRegex(@"admin endpoint: (?<ep>[^\s""]+)")]
    private static partial Regex EndpointLine();

    /// <summary>One sample: (name, labels, value), as the Python parser reports it.</summary>
    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

    private sealed record Family(string Name, string Type, List<Sample> Samples);

    [Fact]
    public async Task Metrics_follow_a_job_progress_is_shown_and_json_logs_name_role_job_and_gene()
    {
        var env = ClusterFixture.FastEnv(null, delayMs: 0);
        // Coordinator and worker log JSON lines; the worker at DEBUG, where it logs each gene it starts.
        var json = new Dictionary<string, string> { ["EXPECTO_LOGGING__FORMAT"] = "json" };
        _cluster.StartAll(env, workers: 1, coordinatorEnv: json,
            workerEnv: _ => new Dictionary<string, string>(json) { ["EXPECTO_CLUSTER__LOGLEVEL"] = "DEBUG" });
        string seed = await AdminOf(_cluster.Seed), coordinator = await AdminOf(_cluster.Coordinator), worker = await AdminOf(_cluster.Workers[0]);

        // Before any job: every series of the contract exists, at zero, with its type and labels.
        var coord0 = await ScrapeAsync(coordinator);
        Assert.Equal("counter", coord0["expecto_genes_settled"].Type);
        Assert.Equal(["committed", "failed"], coord0["expecto_genes_settled"].Samples
            .Where(s => s.Name == "expecto_genes_settled_total").Select(s => s.Labels["outcome"]).Order());
        Assert.Equal("gauge", coord0["expecto_genes_in_flight"].Type);
        Assert.Equal("counter", coord0["expecto_leases_expired"].Type);
        Assert.Equal("counter", coord0["expecto_journal_write_failures"].Type);
        Assert.Equal(0, Value(coord0, "expecto_genes_settled_total", ("outcome", "committed")));

        // The worker's series appear once its device loop starts.
        await WaitForAsync(async () => (await ScrapeAsync(worker)).ContainsKey("expecto_mutations_scored"), "the worker's device series");
        var worker0 = await ScrapeAsync(worker);
        Assert.Equal("counter", worker0["expecto_mutations_scored"].Type);
        Assert.Equal("cpu", Assert.Single(worker0["expecto_mutations_scored"].Samples, s => s.Name == "expecto_mutations_scored_total").Labels["device"]);
        Assert.Equal("histogram", worker0["expecto_gene_duration_seconds"].Type);
        Assert.Equal(0, Value(worker0, "expecto_gene_duration_seconds_count"));

        // Process and .NET runtime metrics on every role, the seed included: at least every series the Grafana
        // dashboard may use besides expecto_* (k8s/grafana/runtime-metrics.txt, which k8s/validate.sh checks it against).
        var runtime = File.ReadAllLines(Path.Combine(ExPecto.Testing.TestPaths.RepoRoot, "k8s", "grafana", "runtime-metrics.txt"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Contains("process_cpu_seconds_total", runtime);
        Assert.Contains(runtime, n => n.StartsWith("dotnet_", StringComparison.Ordinal));
        foreach (var (role, families) in new[] { ("coordinator", coord0), ("worker", worker0), ("seed", await ScrapeAsync(seed)) })
        {
            var samples = families.Values.SelectMany(f => f.Samples).Select(s => s.Name).ToHashSet();
            foreach (string name in runtime)
                Assert.True(samples.Contains(name), $"{role}: /metrics has no {name}");
        }

        // A job of the fixture's genes, waited for.
        string outDir = _cluster.Sub("out");
        var submit = _cluster.Start("submit", NodeProcess.Expecto,
            ["submit", "--seed", _cluster.Contacts, "--wait", "--progress-interval", "1", .. fixture.Inputs.CliArgs(outDir, delayMs: 100)], env);
        Assert.True(await submit.WaitForExitAsync(TimeSpan.FromSeconds(120)) == 0, $"submit --wait failed:\n{_cluster.Logs()}");

        // Progress: stderr is not a terminal here, so plain lines (no carriage returns), the last one the final count.
        var progress = submit.Log.Split('\n').Where(l => ProgressLine().IsMatch(l)).ToList();
        Assert.NotEmpty(progress);
        Assert.DoesNotContain('\r', submit.Log);
        Assert.Matches($@"^j[0-9a-f]{{16}}: {fixture.Genes}/{fixture.Genes} genes settled, 0 failed, [0-9.]+ mutations/s, ETA 0:00:00 \(complete\)$", progress[^1].Trim());

        var coord1 = await ScrapeAsync(coordinator);
        Assert.Equal(fixture.Genes, Value(coord1, "expecto_genes_settled_total", ("outcome", "committed")));
        Assert.Equal(0, Value(coord1, "expecto_genes_settled_total", ("outcome", "failed")));
        Assert.Equal(0, Value(coord1, "expecto_journal_write_failures_total"));
        await WaitForAsync(async () => Value(await ScrapeAsync(coordinator), "expecto_genes_in_flight") == 0, "no gene in flight after the job");

        var worker1 = await ScrapeAsync(worker);
        long rows = ManifestRows(outDir);
        Assert.True(rows > 0);
        Assert.Equal(rows, Value(worker1, "expecto_mutations_scored_total", ("device", "cpu")));
        Assert.Equal(fixture.Genes, Value(worker1, "expecto_gene_duration_seconds_count"));
        Assert.Equal(fixture.Genes, Value(worker1, "expecto_gene_duration_seconds_bucket", ("le", "+Inf")));
        Assert.True(Value(worker1, "expecto_gene_duration_seconds_sum") > 0);

        // JSON logs: every line of the coordinator and the worker is one object with the fields log shippers index.
        foreach (var (node, role) in new[] { (_cluster.Coordinator, "coordinator"), (_cluster.Workers[0], "worker") })
        {
            var lines = node.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.NotEmpty(lines);
            var records = lines.Select(l =>
            {
                try
                {
                    return JsonDocument.Parse(l).RootElement.Clone();
                }
                catch (JsonException e)
                {
                    throw new Xunit.Sdk.XunitException($"{role}: not a JSON line ({e.Message}): {l}");
                }
            }).ToList();
            foreach (var r in records)
            {
                foreach (string field in new[] { "timestamp", "level", "role", "job", "gene", "message" })
                    Assert.True(r.TryGetProperty(field, out _), $"{role}: no {field} in {r}");
                Assert.Equal(role, r.GetProperty("role").GetString());
                Assert.True(DateTime.TryParse(r.GetProperty("timestamp").GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _));
                Assert.Contains(r.GetProperty("level").GetString(), new[] { "debug", "info", "warning", "error" });
            }
            Assert.Contains(records, r => r.GetProperty("message").GetString()!.StartsWith("admin endpoint: ", StringComparison.Ordinal));
        }
        string jobId = ProgressLine().Match(progress[^1]).Groups["job"].Value;
        Assert.Contains(LogRecords(_cluster.Coordinator), r => r.GetProperty("job").GetString() == jobId);
        var gene = fixture.Inputs.Genes[0].GeneId;
        Assert.Contains(LogRecords(_cluster.Workers[0]), r => r.GetProperty("job").GetString() == jobId && r.GetProperty("gene").GetString() == gene);
    }

    private static List<JsonElement> LogRecords(NodeProcess node) =>
        node.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [GeneratedRegex(@"^(?<job>j[0-9a-f]{16}): \d+/\d+ genes settled, \d+ failed, [0-9.]+ mutations/s, ETA \S+ \(\w+\)\s*$")]
    private static partial Regex ProgressLine();

    private static long ManifestRows(string outDir)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, ExPecto.Protocol.Jobs.JobManifest.FileName)));
        return manifest.RootElement.GetProperty("geneResults").EnumerateArray().Sum(g => g.GetProperty("rows").GetInt64());
    }

    private async Task<string> AdminOf(NodeProcess process)
    {
        string? endpoint = null;
        await WaitForAsync(() => Task.FromResult((endpoint = EndpointLine().Match(process.Log) is { Success: true } m ? m.Groups["ep"].Value : null) is not null),
            $"{process.Name} to log its admin endpoint");
        return endpoint!;
    }

    private static double Value(Dictionary<string, Family> families, string sample, params (string Key, string Value)[] labels)
    {
        var matches = families.Values.SelectMany(f => f.Samples)
            .Where(s => s.Name == sample && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
            .ToList();
        Assert.True(matches.Count == 1, $"expected one sample {sample}{{{string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}}, found {matches.Count}");
        return matches[0].Value;
    }

    /// <summary>GET /metrics without a token (loopback), parsed by prometheus_client's parser; a parse error fails the test.</summary>
    private static async Task<Dictionary<string, Family>> ScrapeAsync(string endpoint)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync($"http://{endpoint}/metrics", TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET /metrics: HTTP {(int)response.StatusCode}");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0.0.4", response.Content.Headers.ContentType?.Parameters.Single(p => p.Name == "version").Value);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return PrometheusParser.Parse(text);
    }

    private async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what}\n{_cluster.Logs()}");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Debian's python3-prometheus-client (installed by .ci/run) as the reference parser of the text format.</summary>
    private static class PrometheusParser
    {
        private const string Script = """
            import json, math, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = [{"name": f.name, "type": f.type, "samples": [{"name": s.name, "labels": s.labels, "value": s.value if math.isfinite(s.value) else None} for s in f.samples]}
                   for f in text_string_to_metric_families(sys.stdin.read())]
            json.dump(out, sys.stdout)
            """;

        public static Dictionary<string, Family> Parse(string text)
        {
            var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(Script);
            using var python = Process.Start(psi)!;
            var stdout = python.StandardOutput.ReadToEndAsync();
            var stderr = python.StandardError.ReadToEndAsync();
            python.StandardInput.Write(text);
            python.StandardInput.Close();
            python.WaitForExit();
            Assert.True(python.ExitCode == 0,
                $"prometheus_client could not parse /metrics (apt-get install python3-prometheus-client):\n{stderr.Result}\n--- text ---\n{text}");
            using var doc = JsonDocument.Parse(stdout.Result);
            return doc.RootElement.EnumerateArray().Select(f => new Family(
                    f.GetProperty("name").GetString()!,
                    f.GetProperty("type").GetString()!,
                    f.GetProperty("samples").EnumerateArray().Select(s => new Sample(
                        s.GetProperty("name").GetString()!,
                        s.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                        s.GetProperty("value").ValueKind == JsonValueKind.Null ? double.NaN : s.GetProperty("value").GetDouble())).ToList()))
                .ToDictionary(f => f.Name);
        }
    }
}
