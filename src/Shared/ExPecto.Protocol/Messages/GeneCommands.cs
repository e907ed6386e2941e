using Akka.Actor;
using ExPecto.Protocol.Processing;

namespace ExPecto.Protocol.Messages;

/// <summary>
/// Job manager → gene: lease this gene to <paramref name="Worker"/> for <paramref name="LeaseDuration"/>. Granted
/// only when the gene is pending (or its lease has expired); the gene then sends <see cref="WorkGranted"/> to the
/// worker and <see cref="LeaseAccepted"/> to the sender, else <see cref="LeaseDeclined"/>.
/// </summary>
public sealed record LeaseGene(string JobId, string GeneId, GeneWorkItem Item, string WorkerId, IActorRef Worker, TimeSpan LeaseDuration) : IGeneMessage;

/// <summary>Worker → gene: still working on attempt <paramref name="Attempt"/>; extends the lease. Unknown lease → <see cref="LeaseLost"/>.</summary>
public sealed record RenewLease(string JobId, string GeneId, int Attempt, string WorkerId, TimeSpan LeaseDuration) : IGeneMessage;

/// <summary>
/// Worker → gene: the gene's files are written. The first completion commits, whatever attempt it comes from
/// (output is deterministic); later ones are acknowledged as duplicates. Always answered by <see cref="CompletionAcked"/>.
/// </summary>
public sealed record CompleteGene(string JobId, string GeneId, int Attempt, string WorkerId, GeneOutcome Outcome) : IGeneMessage;

/// <summary>Worker → gene: attempt failed with <paramref name="Error"/>. After the last allowed attempt the gene fails.</summary>
public sealed record FailGene(string JobId, string GeneId, int Attempt, string WorkerId, string Error) : IGeneMessage;

/// <summary>
/// Worker → gene: give back attempt <paramref name="Attempt"/> unstarted (e.g. its device is stuck). The gene is pending
/// again and the attempt is not used up: a hand-back never brings a gene closer to failing.
/// </summary>
public sealed record HandBackGene(string JobId, string GeneId, int Attempt, string WorkerId, string Reason) : IGeneMessage;

/// <summary>Job manager → gene: the lease holder left the cluster; end the lease now instead of waiting for expiry.</summary>
public sealed record RevokeLease(string JobId, string GeneId, string WorkerId, string Reason) : IGeneMessage;

/// <summary>
/// Job manager → gene: the job reopened for round <paramref name="Round"/>; a gene that failed in an earlier round goes
/// back to pending with fresh attempts. Idempotent: anything else (pending, leased, committed, already reset) ignores it.
/// </summary>
public sealed record ResetGene(string JobId, string GeneId, int Round) : IGeneMessage;

/// <summary>
/// Job manager → gene: a lease it counts as outstanding has been quiet for a while. Changes nothing; it makes sure the
/// entity is running (gene entities are not remembered: one stopped by a journal failure comes back on its next
/// message) and gets the job manager back in step: pending → <see cref="GeneReady"/> (the lease request was lost),
/// leased → the lease timer is armed, settled → the settlement is announced again.
/// </summary>
public sealed record WakeGene(string JobId, string GeneId) : IGeneMessage;

/// <summary>Job manager → gene: the gene's settlement is recorded in the job; the entity may stop for good.</summary>
public sealed record SettlementRecorded(string JobId, string GeneId) : IGeneMessage;

/// <summary>Gene → worker: process this item under lease attempt <paramref name="Attempt"/>; renew well within <paramref name="LeaseDuration"/>.</summary>
public sealed record WorkGranted(GeneWorkItem Item, int Attempt, TimeSpan LeaseDuration) : IExPectoMessage;

/// <summary>Gene → job manager: the lease was granted.</summary>
public sealed record LeaseAccepted(string JobId, string GeneId, string WorkerId, int Attempt) : IExPectoMessage;

/// <summary>
/// Gene → job manager: the lease was not granted (leased elsewhere, settled); the worker's credit returns.
/// <paramref name="Holder"/> names the current lease holder, if any, so the job manager can revoke leases of
/// workers that did not come back after a restart.
/// </summary>
public sealed record LeaseDeclined(string JobId, string GeneId, string WorkerId, string Reason, string? Holder = null) : IExPectoMessage;

/// <summary>Gene → worker: the completion is durable (or was already).</summary>
public sealed record CompletionAcked(string JobId, string GeneId, int Attempt, bool Duplicate) : IExPectoMessage;

/// <summary>Gene → worker: the worker no longer holds this lease; it should stop working on the gene.</summary>
public sealed record LeaseLost(string JobId, string GeneId, int Attempt) : IExPectoMessage;

/// <summary>Gene → job manager: the gene is pending again (lease expired, revoked or failed with attempts left).</summary>
public sealed record GeneReady(string JobId, string GeneId) : IExPectoMessage;

/// <summary>Gene → job manager: the gene is settled for good; resent until <see cref="SettlementRecorded"/> comes back.</summary>
public sealed record GeneSettled(string JobId, GeneResult Result) : IExPectoMessage;

/// <summary>A settled gene: committed (Outcome set) or failed (Error set) after <paramref name="Attempts"/> leases.</summary>
public sealed record GeneResult(string GeneId, string Chrom, int Attempts, GeneOutcome? Outcome, string? Error);
