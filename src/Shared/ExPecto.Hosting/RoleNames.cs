namespace ExPecto.Hosting;

/// <summary>Cluster roles and the registry keys of the actors every role may need.</summary>
public static class Roles
{
    public const string Seed = "seed";
    public const string Coordinator = "coordinator";
    public const string Worker = "worker";
    public const string Client = "client";
}

/// <summary>ActorRegistry key: the gene shard region (or its proxy on nodes without the coordinator role).</summary>
public sealed class GeneRegion;

/// <summary>ActorRegistry key: the job manager singleton (or its proxy).</summary>
public sealed class JobManager;
