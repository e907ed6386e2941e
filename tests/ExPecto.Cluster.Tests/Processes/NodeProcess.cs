using ExPecto.Hosting;
using ExPecto.TestHooks;
using ExPecto.Testing;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ExPecto.Cluster.Tests.Processes;

/// <summary>A built role executable started as a child process (`dotnet X.dll …`), its output kept for failure messages.</summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public string Name { get; }

    private NodeProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    /// <summary>Where the build put a role's dll (RID-specific folder for projects that carry libtorch).</summary>
    public static string Dll(string project, string assembly)
    {
        string bin = Path.Combine(TestPaths.RepoRoot, "src", project, "bin", Configuration, "net10.0");
        foreach (string candidate in new[] { Path.Combine(bin, "linux-x64", assembly + ".dll"), Path.Combine(bin, assembly + ".dll") })
            if (File.Exists(candidate)) return candidate;
        throw new FileNotFoundException($"{assembly}.dll not built under {bin}");
    }

    public static string Seed => Dll("Seed", "expecto-seed");
    public static string Expecto => Dll("Coordinator", "expecto");
    public static string Worker => Dll("GpuWorker", "expecto-worker");

    /// <summary>
    /// A free port below Linux's ephemeral range (32768–60999): processes binding port 0 (workers, clients) get
    /// ephemeral ports, so they can never be handed the port picked here for a seed or coordinator that has not
    /// bound it yet. Ports handed out by this process are not repeated. <paramref name="min"/> and
    /// <paramref name="max"/> (exclusive) narrow the range, e.g. to order nodes' addresses.
    /// </summary>
    public static int FreePort(int min = 20000, int max = 32000)
    {
        lock (s_picked)
        {
            for (int tries = 0; tries < 1000; tries++)
            {
                int port = Random.Shared.Next(min, max);
                if (!s_picked.Add(port)) continue;
                try
                {
                    var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    listener.Stop();
                    return port;
                }
                catch (SocketException)
                {
                }
            }
        }
        throw new InvalidOperationException($"no free port in {min}-{max}");
    }

    private static readonly HashSet<int> s_picked = [];

    public static NodeProcess Start(string name, string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string> env)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        // Where a node started with the test-hooks switch finds them: the hooks are never beside the executables.
        psi.Environment[TestHookSwitch.AssemblyPathVariable] = typeof(NodeTestHooks).Assembly.Location;
        foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        psi.Environment["DOTNET_gcServer"] = "0";
        var process = new Process { StartInfo = psi };
        var node = new NodeProcess(name, process);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    /// <summary>No process with this pid is left (not even a zombie): the kill really happened.</summary>
    public bool Gone => _process.HasExited && !Directory.Exists($"/proc/{_process.Id}");

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// SIGSTOP: the process stops where it is (its files stay as they are) until <see cref="Thaw"/> or a kill, so a
    /// test can check what state it froze in before it strikes.
    /// </summary>
    public void Freeze() => Signal(SigStop);

    /// <summary>SIGCONT after <see cref="Freeze"/>.</summary>
    public void Thaw() => Signal(SigCont);

    private const int SigCont = 18, SigStop = 19; // Linux x86-64 and arm64

    private void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>SIGKILL: no shutdown hooks, no leaving the cluster — a crash.</summary>
    public void KillHard()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout}:\n{Tail()}");
        }
        _process.WaitForExit(); // flush redirected output
        return _process.ExitCode;
    }

    public string Tail(int chars = 4000)
    {
        string log = Log;
        return log.Length <= chars ? log : log[^chars..];
    }

    public void Dispose()
    {
        try { KillHard(); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
