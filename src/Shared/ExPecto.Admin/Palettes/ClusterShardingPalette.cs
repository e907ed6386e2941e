using Akka.Actor;
using Akka.Cluster.Sharding;
using ExPecto.Admin.Protocol;

namespace ExPecto.Admin.Palettes;

/// <summary>One shard region started (or proxied) on this node.</summary>
public sealed record ShardRegionRow(string Region, int Shards, int Entities);

/// <summary>Entities per shard in this node's region.</summary>
public sealed record RegionShardRow(string Shard, int Entities);

/// <summary>Entities per shard per node, cluster-wide.</summary>
public sealed record ClusterShardRow(string Address, string Shard, int Entities);

/// <summary>
/// <c>cluster-sharding regions | region-stats -r &lt;name&gt; | shard-stats -r &lt;name&gt;</c>, answered by asking the shard
/// regions (<see cref="GetShardRegionState"/>, <see cref="GetShardRegionStats"/>, <see cref="GetClusterShardingStats"/>).
/// </summary>
public sealed class ClusterShardingPalette : IAdminPalette
{
    public string Name => "cluster-sharding";

    public string Description => "Shard regions, shards and entity counts";

    public IReadOnlyList<AdminCommand> Commands { get; } =
    [
        AdminCommand.Once(new("regions", "cluster-sharding regions", "Shard regions on this node with their shard and entity counts", Mutating: false), Regions),
        AdminCommand.Once(new("region-stats", "cluster-sharding region-stats -r <region>", "Entities per shard in this node's region", Mutating: false), RegionStats),
        AdminCommand.Once(new("shard-stats", "cluster-sharding shard-stats -r <region>", "Entities per shard on every node hosting the region", Mutating: false), ShardStats),
    ];

    private static async Task<AdminResult> Regions(AdminInvocation invocation, CancellationToken ct)
    {
        var sharding = ClusterSharding.Get(invocation.System);
        var rows = new List<ShardRegionRow>();
        foreach (var name in sharding.ShardTypeNames.OrderBy(n => n, StringComparer.Ordinal))
        {
            var state = await Ask<CurrentShardRegionState>(sharding.ShardRegion(name), GetShardRegionState.Instance, invocation, ct);
            rows.Add(new ShardRegionRow(name, state.Shards.Count, state.Shards.Sum(s => s.EntityIds.Count)));
        }
        return AdminResult.Table(rows, rows.Count == 0 ? "no shard regions on this node" : null);
    }

    private static async Task<AdminResult> RegionStats(AdminInvocation invocation, CancellationToken ct)
    {
        var name = invocation.RequiredOption("-r", "--region", "region");
        var stats = await Ask<ShardRegionStats>(Region(invocation, name), GetShardRegionStats.Instance, invocation, ct);
        var rows = stats.Stats.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new RegionShardRow(kv.Key, kv.Value)).ToList();
        var failed = stats.Failed.Count == 0 ? "" : $"; {stats.Failed.Count} shard(s) did not answer";
        return AdminResult.Table(rows, $"region {name}: {rows.Count} shard(s), {rows.Sum(r => r.Entities)} entities on this node{failed}");
    }

    private static async Task<AdminResult> ShardStats(AdminInvocation invocation, CancellationToken ct)
    {
        var name = invocation.RequiredOption("-r", "--region", "region");
        var stats = await Ask<ClusterShardingStats>(Region(invocation, name), new GetClusterShardingStats(invocation.AskTimeout), invocation, ct);
        var rows = stats.Regions
            .OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal)
            .SelectMany(kv => kv.Value.Stats.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new ClusterShardRow(kv.Key.ToString(), s.Key, s.Value)))
            .ToList();
        return AdminResult.Table(rows, $"region {name}: {stats.Regions.Count} node(s), {rows.Count} shard(s), {rows.Sum(r => r.Entities)} entities");
    }

    private static IActorRef Region(AdminInvocation invocation, string name)
    {
        var sharding = ClusterSharding.Get(invocation.System);
        if (!sharding.ShardTypeNames.Contains(name))
        {
            var known = sharding.ShardTypeNames.Count == 0 ? "none" : string.Join(", ", sharding.ShardTypeNames.OrderBy(n => n, StringComparer.Ordinal));
            throw AdminException.NotFound($"no shard region '{name}' on this node (regions here: {known})");
        }
        return sharding.ShardRegion(name);
    }

    private static async Task<T> Ask<T>(IActorRef region, object query, AdminInvocation invocation, CancellationToken ct)
    {
        try
        {
            return await region.Ask<T>(query, invocation.AskTimeout, ct);
        }
        catch (AskTimeoutException)
        {
            throw AdminException.Unavailable($"the shard region did not answer within {invocation.AskTimeout.TotalSeconds:0.#} s");
        }
    }
}
