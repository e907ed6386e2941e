using ExPecto.Hosting;

namespace ExPecto.TestHooks;

/// <summary>
/// The test hooks' knobs, section TestHooks (EXPECTO_TESTHOOKS__*), read only on a node started with the switch;
/// a node without it refuses every one of them.
/// </summary>
public sealed class TestHooksOptions : IValidatedOptions
{
    /// <summary>Simulated time per gene of the fake engine (tests and benchmarks); not part of any job's identity.</summary>
    public TimeSpan FakeDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Comma-separated gene ids ("*" = every gene) on which this worker's fake engine never returns, ignoring
    /// cancellation (a hung CUDA kernel, an NFS hang). A worker setting, not part of any job's identity.
    /// </summary>
    public string? HangGenes { get; set; }

    /// <summary>0 (default) = off: the coordinator SIGKILLs itself while handling the Nth gene commit of its life, at <see cref="CrashAtCommitPoint"/>.</summary>
    public int CrashAtCommit { get; set; }

    /// <summary>Where <see cref="CrashAtCommit"/> strikes: before the commit event is persisted, or after it but before anyone hears of it.</summary>
    public CommitCrashPoint CrashAtCommitPoint { get; set; } = CommitCrashPoint.AfterPersist;

    public void Validate(string section)
    {
        OptionsValidation.NotNegative(section + ":FakeDelay", FakeDelay);
        OptionsValidation.AtLeast(section + ":CrashAtCommit", CrashAtCommit, 0);
    }
}

/// <summary>The two sides of a gene commit's window.</summary>
public enum CommitCrashPoint
{
    /// <summary>The completion arrived and was decided; the commit event is not written yet.</summary>
    BeforePersist,

    /// <summary>The commit event is in the journal; neither the worker's acknowledgement nor the job manager's settlement went out.</summary>
    AfterPersist,
}
