using ExPecto.Protocol.Messages;
using ExPecto.Protocol.Processing;

namespace ExPecto.Protocol.State;

public enum GenePhase
{
    Pending,
    Leased,
    Committed,
    Failed,
}

/// <summary>Actor-local command of the gene entity: its lease timer fired at the given time.</summary>
public sealed record CheckLease(int Attempt);

/// <summary>
/// One gene of one job: pending → leased (worker, expiry, attempt) → committed | failed. Pure: Decide turns a
/// command into events (never mutates), Apply folds an event into the next state. Time comes in as Unix ms.
/// Invariants: once committed the phase never changes; within a round Attempt counts leases granted and only grows;
/// every lease that ends without a result (expiry, revocation, error) uses up its attempt, except one its holder hands
/// back unstarted (<see cref="HandBackGene"/>), counted in <see cref="HandedBack"/>. The one way back from
/// failed is an operator's retry (<see cref="GeneReset"/>), which starts the attempts again for a new round. The job
/// manager's record of a settlement (<see cref="SettlementRecorded"/>) is not an event: the entity only stops
/// announcing (journals written before this still hold <see cref="GeneSettlementAcknowledged"/>, folded as before).
/// A gene never leased commits nothing: its completion comes from a journal deleted with its finished job.
/// </summary>
public sealed record GeneState(
    string JobId,
    string GeneId,
    string? Chrom,
    GenePhase Phase,
    int Attempt,
    string? WorkerId,
    long ExpiresAtMs,
    string? LastError,
    GeneOutcome? Outcome,
    bool SettlementAcknowledged)
{
    /// <summary>The last retry round (see <see cref="ResetGene"/>) that reset this gene; 0 before any.</summary>
    public int Round { get; init; }

    /// <summary>Leases of this round handed back unstarted: they do not count against the allowed attempts.</summary>
    public int HandedBack { get; init; }

    /// <summary>Leases of this round that ended without a result and count against the allowed attempts.</summary>
    public int AttemptsUsed => Attempt - HandedBack;

    /// <summary>Nothing happened to the gene yet in round 0: no lease, no reset (an entity with an empty journal).</summary>
    public bool NeverLeased => Phase == GenePhase.Pending && Attempt == 0 && Round == 0;

    public static GeneState Initial(string jobId, string geneId) =>
        new(jobId, geneId, null, GenePhase.Pending, 0, null, 0, null, null, false);

    public bool IsSettled => Phase is GenePhase.Committed or GenePhase.Failed;

    /// <summary>The settled result, or null while pending or leased.</summary>
    public GeneResult? Result => Phase switch
    {
        GenePhase.Committed => new GeneResult(GeneId, Chrom ?? "", Attempt, Outcome, null),
        GenePhase.Failed => new GeneResult(GeneId, Chrom ?? "", Attempt, null, LastError),
        _ => null,
    };

    public IReadOnlyList<IGeneEvent> Decide(object command, long nowMs, int maxAttempts)
    {
        switch (command)
        {
            case LeaseGene c when Phase == GenePhase.Pending:
                return [new GeneLeased(c.Item.Chrom, c.WorkerId, Attempt + 1, nowMs + (long)c.LeaseDuration.TotalMilliseconds)];
            case LeaseGene c when Phase == GenePhase.Leased && nowMs >= ExpiresAtMs:
                {
                    var ended = EndLease("lease expired", maxAttempts);
                    return ended.Count == 1
                        ? [ended[0], new GeneLeased(c.Item.Chrom, c.WorkerId, Attempt + 1, nowMs + (long)c.LeaseDuration.TotalMilliseconds)]
                        : ended;
                }
            case RenewLease c when Phase == GenePhase.Leased && c.Attempt == Attempt && c.WorkerId == WorkerId:
                return [new GeneLeaseRenewed(Attempt, nowMs + (long)c.LeaseDuration.TotalMilliseconds)];
            // Never leased: the journal that leased it was deleted with its finished job (or it never existed), so this
            // is a late or duplicate completion of a gene already settled; it commits nothing.
            case CompleteGene when NeverLeased:
                return [];
            case CompleteGene c when !IsSettled:
                return [new GeneCommitted(c.Attempt, c.WorkerId, c.Outcome)];
            case FailGene c when Phase == GenePhase.Leased && c.Attempt == Attempt:
                return EndLease("failed: " + c.Error, maxAttempts, c.Error);
            case HandBackGene c when Phase == GenePhase.Leased && c.Attempt == Attempt && c.WorkerId == WorkerId:
                return [new GeneHandedBack(Attempt, c.Reason)];
            case RevokeLease c when Phase == GenePhase.Leased && c.WorkerId == WorkerId:
                return EndLease(c.Reason, maxAttempts);
            case CheckLease c when Phase == GenePhase.Leased && c.Attempt == Attempt && nowMs >= ExpiresAtMs:
                return EndLease("lease expired", maxAttempts);
            case ResetGene c when Phase == GenePhase.Failed && c.Round > Round:
                return [new GeneReset(c.Round)];
            default:
                return [];
        }
    }

    private IReadOnlyList<IGeneEvent> EndLease(string reason, int maxAttempts, string? error = null)
    {
        var ended = new GeneLeaseEnded(Attempt, reason);
        return AttemptsUsed >= maxAttempts
            ? [ended, new GeneFailed(Attempt, error ?? reason)]
            : [ended];
    }

    public GeneState Apply(IGeneEvent e) => e switch
    {
        GeneLeased l => this with { Chrom = l.Chrom, Phase = GenePhase.Leased, Attempt = l.Attempt, WorkerId = l.WorkerId, ExpiresAtMs = l.ExpiresAtMs },
        GeneLeaseRenewed r when r.Attempt == Attempt => this with { ExpiresAtMs = r.ExpiresAtMs },
        GeneHandedBack h when h.Attempt == Attempt && Phase == GenePhase.Leased =>
            this with { Phase = GenePhase.Pending, WorkerId = null, ExpiresAtMs = 0, HandedBack = HandedBack + 1 },
        GeneLeaseEnded x => this with { Phase = GenePhase.Pending, WorkerId = null, ExpiresAtMs = 0, LastError = x.Reason },
        GeneCommitted c => this with { Phase = GenePhase.Committed, Outcome = c.Outcome, WorkerId = c.WorkerId, ExpiresAtMs = 0, Attempt = Math.Max(Attempt, c.Attempt) },
        GeneFailed f => this with { Phase = GenePhase.Failed, LastError = f.Error, Attempt = f.Attempts },
        GeneSettlementAcknowledged => this with { SettlementAcknowledged = true },
        GeneReset r => this with
        {
            Phase = GenePhase.Pending, Attempt = 0, WorkerId = null, ExpiresAtMs = 0, Outcome = null,
            SettlementAcknowledged = false, Round = r.Round, HandedBack = 0,
        },
        _ => this,
    };

    /// <summary>Why a lease request was declined (for <see cref="LeaseDeclined"/>).</summary>
    public string DeclineReason => Phase switch
    {
        GenePhase.Leased => $"leased to {WorkerId} (attempt {Attempt})",
        GenePhase.Committed => "already committed",
        GenePhase.Failed => "already failed",
        _ => "pending",
    };
}
