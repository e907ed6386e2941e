using System.Diagnostics;
using ExPecto.Hosting;

namespace ExPecto.TestHooks;

/// <summary>
/// Kills this process with SIGKILL inside a gene commit's window (<see cref="TestHooksOptions.CrashAtCommit"/>),
/// so the fault tests need not hope that an outside kill lands there.
/// </summary>
public sealed class CommitCrashHook(int crashAtCommit, CommitCrashPoint point) : ICommitHook
{
    private int _commits;

    public void BeforePersist(string jobId, string geneId) => At(CommitCrashPoint.BeforePersist, jobId, geneId);

    public void AfterPersist(string jobId, string geneId) => At(CommitCrashPoint.AfterPersist, jobId, geneId);

    private void At(CommitCrashPoint where, string jobId, string geneId)
    {
        if (crashAtCommit <= 0 || where != point) return;
        int n = Interlocked.Increment(ref _commits);
        if (n != crashAtCommit) return;
        string side = where == CommitCrashPoint.BeforePersist ? "before persisting" : "after persisting";
        Console.Error.WriteLine($"fault injection: killing the coordinator {side} the commit of gene {geneId} of job {jobId} (commit {n})");
        Console.Error.Flush();
        using var self = Process.GetCurrentProcess();
        self.Kill();
        Thread.Sleep(Timeout.Infinite); // nothing of this commit may proceed while the signal lands
    }
}
