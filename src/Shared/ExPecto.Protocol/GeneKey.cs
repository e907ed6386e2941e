namespace ExPecto.Protocol;

/// <summary>
/// One gene of one job: the identity of a gene entity, of a lease and of a worker's held gene. Its string form
/// "{jobId}|{geneId}" is the sharded entity id, stored in journals (persistence ids) and remembered-entity sets,
/// so it never changes. Job ids never contain '|' (see <see cref="Jobs.JobIdentity"/>); gene ids may not either.
/// </summary>
public readonly record struct GeneKey(string JobId, string GeneId)
{
    public const char Separator = '|';

    /// <summary>Lets a (job, gene) tuple stand where a key is expected.</summary>
    public static implicit operator GeneKey((string JobId, string GeneId) key) => new(key.JobId, key.GeneId);

    /// <summary>The entity id: "{jobId}|{geneId}".</summary>
    public override string ToString() => string.Concat(JobId, "|", GeneId);

    /// <summary>The key of an entity id; an id without '|' is a job id with an empty gene (never produced).</summary>
    public static GeneKey Parse(string entityId)
    {
        ArgumentNullException.ThrowIfNull(entityId);
        int bar = entityId.IndexOf(Separator);
        return bar < 0 ? new GeneKey(entityId, "") : new GeneKey(entityId[..bar], entityId[(bar + 1)..]);
    }

    public bool BelongsTo(string jobId) => string.Equals(JobId, jobId, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="entityId"/> is a gene of <paramref name="jobId"/>, without parsing (hot on status and cancel).</summary>
    public static bool IsOf(string entityId, string jobId) =>
        entityId.Length > jobId.Length && entityId[jobId.Length] == Separator && entityId.StartsWith(jobId, StringComparison.Ordinal);
}
