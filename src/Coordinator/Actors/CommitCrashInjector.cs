using System.Diagnostics;
using ExPecto.Hosting;

namespace ExPecto.Coordinator.Actors;

/// <summary>
/// Test-only fault injection (<see cref="CoordinatorOptions.CrashAtCommit"/>, off by default): kills this process
/// with SIGKILL inside a gene commit's window, so the fault tests need not hope that an outside kill lands there.
/// </summary>
internal static class CommitCrashInjector
{
    private static int _commits;

    /// <summary>Called at both sides of every commit; kills the process at the configured commit and side.</summary>
    public static void At(CoordinatorOptions options, CommitCrashPoint point, string jobId, string geneId)
    {
        if (options.CrashAtCommit <= 0 || options.CrashAtCommitPoint != point) return;
        int n = Interlocked.Increment(ref _commits);
        if (n != options.CrashAtCommit) return;
        string where = point == CommitCrashPoint.BeforePersist ? "before persisting" : "after persisting";
        Console.Error.WriteLine($"fault injection: killing the coordinator {where} the commit of gene {geneId} of job {jobId} (commit {n})");
        Console.Error.Flush();
        using var self = Process.GetCurrentProcess();
        self.Kill();
        Thread.Sleep(Timeout.Infinite); // nothing of this commit may proceed while the signal lands
    }
}
