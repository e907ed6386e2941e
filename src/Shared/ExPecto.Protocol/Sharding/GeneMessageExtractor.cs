using Akka.Cluster.Sharding;
using ExPecto.Protocol.Messages;

namespace ExPecto.Protocol.Sharding;

/// <summary>
/// Routes <see cref="IGeneMessage"/>s to the entity of their (job, gene). Shard = MurmurHash(entity id) mod
/// <see cref="ShardCount"/> — stable across processes (unlike string.GetHashCode) and FIXED for the cluster's life:
/// remembered entities are stored per shard, so changing it strands them. 100 ≈ ten times the largest node count
/// foreseen.
/// </summary>
public sealed class GeneMessageExtractor() : HashCodeMessageExtractor(ShardCount)
{
    public const int ShardCount = 100;
    public const string TypeName = "gene";

    /// <summary>Entity id of a gene: <see cref="GeneKey"/>'s "{jobId}|{geneId}".</summary>
    public static string EntityIdOf(string jobId, string geneId) => new GeneKey(jobId, geneId).ToString();

    public static GeneKey Parse(string entityId) => GeneKey.Parse(entityId);

    public override string? EntityId(object message) => message switch
    {
        IGeneMessage g => EntityIdOf(g.JobId, g.GeneId),
        _ => null,
    };
}
