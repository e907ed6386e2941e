using System.Text.Json.Serialization;

namespace ExPecto.Protocol;

/// <summary>
/// Where a job is (<see cref="State.JobState.Phase"/>). On the wire and in journals it is the lowercase name
/// ("running", …, "cancelled"), the strings earlier versions wrote, so old events still read; never renumber or
/// rename a member.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobPhase>))]
public enum JobPhase
{
    /// <summary>Genes are being leased and run.</summary>
    [JsonStringEnumMemberName("running")] Running,
    /// <summary>No new leases; leases in flight may still commit.</summary>
    [JsonStringEnumMemberName("paused")] Paused,
    /// <summary>Every gene settled; the finalizer and manifest are being written.</summary>
    [JsonStringEnumMemberName("finalizing")] Finalizing,
    /// <summary>Finished, every gene committed (_SUCCESS written).</summary>
    [JsonStringEnumMemberName("complete")] Complete,
    /// <summary>Finished with failed genes.</summary>
    [JsonStringEnumMemberName("partial")] Partial,
    /// <summary>Cancelled by an operator, not finished yet (leases being revoked, manifest being written).</summary>
    [JsonStringEnumMemberName("cancelling")] Cancelling,
    /// <summary>Cancelled and finished.</summary>
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

public static class JobPhases
{
    /// <summary>The lowercase name users see and the wire carries ("complete", …).</summary>
    public static string Name(this JobPhase phase) => phase switch
    {
        JobPhase.Running => "running",
        JobPhase.Paused => "paused",
        JobPhase.Finalizing => "finalizing",
        JobPhase.Complete => "complete",
        JobPhase.Partial => "partial",
        JobPhase.Cancelling => "cancelling",
        JobPhase.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, null),
    };

    /// <summary>The job has ended and will not change again (unless failed genes are retried): complete, partial or cancelled.</summary>
    public static bool IsFinished(this JobPhase phase) => phase is JobPhase.Complete or JobPhase.Partial or JobPhase.Cancelled;

    /// <summary>Finished and every gene settled (complete or partial; not cancelled).</summary>
    public static bool IsSettled(this JobPhase phase) => phase is JobPhase.Complete or JobPhase.Partial;
}
