namespace ExPecto.Protocol.Messages;

// Persisted by the gene entity. Extend-only: never change the meaning or manifest of a persisted event.

/// <summary>The gene was leased to a worker: attempt number and lease expiry (Unix ms).</summary>
public sealed record GeneLeased(string Chrom, string WorkerId, int Attempt, long ExpiresAtMs) : IGeneEvent;

/// <summary>The worker renewed its lease.</summary>
public sealed record GeneLeaseRenewed(int Attempt, long ExpiresAtMs) : IGeneEvent;

/// <summary>The lease ended without a result (expired, revoked, attempt failed); the gene is pending again.</summary>
public sealed record GeneLeaseEnded(int Attempt, string Reason) : IGeneEvent;

/// <summary>The holder gave the lease back unstarted; the gene is pending again and the attempt does not count.</summary>
public sealed record GeneHandedBack(int Attempt, string Reason) : IGeneEvent;

/// <summary>The gene's output is committed.</summary>
public sealed record GeneCommitted(int Attempt, string WorkerId, Processing.GeneOutcome Outcome) : IGeneEvent;

/// <summary>The gene failed for good after its last allowed attempt.</summary>
public sealed record GeneFailed(int Attempts, string Error) : IGeneEvent;

/// <summary>The job manager recorded the settlement; nothing more will happen to this gene.</summary>
public sealed record GeneSettlementAcknowledged : IGeneEvent;

/// <summary>A failed gene was put back to pending for retry round <paramref name="Round"/>; its attempts start again at 0.</summary>
public sealed record GeneReset(int Round) : IGeneEvent;
