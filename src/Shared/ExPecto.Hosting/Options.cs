namespace ExPecto.Hosting;

// Every knob is a typed option with a default, bound from configuration section <Section> and from environment
// variables EXPECTO_<SECTION>__<NAME> (e.g. EXPECTO_CLUSTER__PORT=4053, EXPECTO_PERSISTENCE__PROVIDER=postgresql).

/// <summary>Remoting and membership of one node.</summary>
public sealed class ClusterNodeOptions : IValidatedOptions
{
    public const string Section = "Cluster";

    /// <summary>Actor system name; every node of one cluster uses the same.</summary>
    public string SystemName { get; set; } = "expecto";

    /// <summary>Interface remoting binds. Loopback by default: exposing a node is a deliberate choice.</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>Remoting port; 0 picks a free one (embedded mode, workers).</summary>
    public int Port { get; set; }

    /// <summary>Address other nodes use to reach this one (a pod's DNS name); defaults to <see cref="Hostname"/>.</summary>
    public string? PublicHostname { get; set; }

    /// <summary>Comma-separated seed nodes, host:port or full akka.tcp:// addresses. Empty: this node joins itself (first seed, embedded mode).</summary>
    public string Seeds { get; set; } = "";

    /// <summary>Akka log level on the console (DEBUG, INFO, WARNING, ERROR, OFF).</summary>
    public string LogLevel { get; set; } = "INFO";

    /// <summary>When set, every log event also goes to this file (one line each) and the console shows WARNING and up.</summary>
    public string? LogFile { get; set; }

    /// <summary>
    /// Akka's cluster membership log at INFO (akka.cluster.log-info): joins, leader actions ("moving node to Up /
    /// Removed"), "Leader can currently not perform its duties" with the reachability and member status. Off by
    /// default (chatty); on when diagnosing a node that cannot join or a member that is never removed.
    /// </summary>
    public bool LogMembership { get; set; }

    /// <summary>
    /// A node that joins through <see cref="Seeds"/> and is still not a member after this long gives up: it runs
    /// coordinated shutdown and exits with 255, for its supervisor (Kubernetes, systemd) to start it again
    /// (akka.cluster.shutdown-after-unsuccessful-join-seed-nodes). Without it, a node restarted on the same
    /// host:port while the cluster still holds its previous incarnation can retry joining forever
    /// (docs/cluster.md, "A node that cannot join"). Zero: retry forever (Akka's default). Not used by a node
    /// without seeds (it founds the cluster).
    /// </summary>
    public TimeSpan ShutdownAfterUnsuccessfulJoinSeedNodes { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Split-brain resolver strategy, <see cref="DowningStrategies.KeepOldest"/> (default) or
    /// <see cref="DowningStrategies.KeepMajority"/>; every node of a cluster must agree. Keep-oldest keeps the side
    /// holding the oldest member (normally the first seed), so any number of workers may crash at once without the
    /// seed and coordinator downing themselves (docs/cluster.md, Failure handling, "Downing").
    /// </summary>
    public string Downing { get; set; } = DowningStrategies.KeepOldest;

    /// <summary>The split-brain resolver waits this long for a stable membership before downing unreachable nodes.</summary>
    public TimeSpan DowningStableAfter { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Heartbeat silence tolerated before a node is marked unreachable.</summary>
    public TimeSpan FailureDetectorPause { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Mutual TLS on the remoting port; off by default (see docs/operations.md, "TLS").</summary>
    public ClusterTlsOptions Tls { get; set; } = new();

    /// <summary>The remoting protocol of this cluster: akka.ssl.tcp with TLS, akka.tcp without.</summary>
    public string Protocol => Tls.Enabled ? "akka.ssl.tcp" : "akka.tcp";

    /// <summary>Seed entries as full addresses of <see cref="SystemName"/> in this cluster's <see cref="Protocol"/>.</summary>
    public string[] SeedAddresses() => Seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(s => !string.IsNullOrWhiteSpace(s))
        .Select(s => s.Contains("://", StringComparison.Ordinal) ? s.Trim() : $"{Protocol}://{SystemName}@{s.Trim()}")
        .ToArray();

    public void Validate(string section)
    {
        if (string.IsNullOrWhiteSpace(Hostname)) throw OptionsValidation.Bad(section + ":Hostname", "a host name or IP address", Hostname);
        OptionsValidation.Port(section + ":Port", Port, zeroAllowed: true);
        OptionsValidation.HostPortList(section + ":Seeds", Seeds);
        OptionsValidation.OneOf(section + ":Downing", Downing, DowningStrategies.KeepOldest, DowningStrategies.KeepMajority);
        OptionsValidation.Positive(section + ":DowningStableAfter", DowningStableAfter);
        OptionsValidation.Positive(section + ":FailureDetectorPause", FailureDetectorPause);
        OptionsValidation.NotNegative(section + ":ShutdownAfterUnsuccessfulJoinSeedNodes", ShutdownAfterUnsuccessfulJoinSeedNodes);
        OptionsValidation.OneOf(section + ":LogLevel", LogLevel, "DEBUG", "INFO", "WARNING", "ERROR", "OFF");
        Tls.Validate(section + ":Tls");
    }
}

/// <summary>The values of <see cref="ClusterNodeOptions.Downing"/>: Akka's split-brain resolver strategy names.</summary>
public static class DowningStrategies
{
    /// <summary>The side holding the oldest member survives; the oldest alone, cut off from two or more others, downs itself.</summary>
    public const string KeepOldest = "keep-oldest";

    /// <summary>The side with more Up members survives; on a tie, the side holding the lowest address.</summary>
    public const string KeepMajority = "keep-majority";
}

/// <summary>
/// Mutual TLS between cluster nodes (section Cluster:Tls, environment EXPECTO_CLUSTER__TLS__*). Every node presents
/// its own certificate and accepts a peer only when the peer's certificate chains to <see cref="CaCertificatePath"/>
/// (and, when given, has one of <see cref="AllowedThumbprints"/>): a node without such a certificate cannot join.
/// </summary>
public sealed class ClusterTlsOptions : IValidatedOptions
{
    /// <summary>Turns TLS on; every node of a cluster must agree (the protocol becomes akka.ssl.tcp).</summary>
    public bool Enabled { get; set; }

    /// <summary>PKCS#12 (.pfx/.p12) file with this node's certificate and private key.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of <see cref="CertificatePath"/>; prefer <see cref="CertificatePasswordFile"/> (never logged).</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>File whose content (trailing newline trimmed) is the PFX password, e.g. a mounted Secret.</summary>
    public string? CertificatePasswordFile { get; set; }

    /// <summary>The cluster's CA certificate (PEM or DER, no key): the only trust anchor for peers.</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>Optional comma-separated SHA-1 thumbprints (hex): when set, a peer's certificate must also be one of these.</summary>
    public string AllowedThumbprints { get; set; } = "";

    public void Validate(string section)
    {
        if (!Enabled) return;
        OptionsValidation.ExistingFile(section + ":CertificatePath", CertificatePath, "this node's PKCS#12 certificate file");
        OptionsValidation.ExistingFile(section + ":CaCertificatePath", CaCertificatePath, "the cluster CA certificate file");
        if (CertificatePasswordFile is { Length: > 0 })
            OptionsValidation.ExistingFile(section + ":CertificatePasswordFile", CertificatePasswordFile, "a file holding the certificate password");
    }
}

/// <summary>Where job and gene checkpoints live (Akka.Persistence.Sql).</summary>
public sealed class PersistenceOptions : IValidatedOptions
{
    public const string Section = "Persistence";

    /// <summary>sqlite (default) or postgresql.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>SQLite database file (used when Provider = sqlite and no connection string is given).</summary>
    public string SqliteFile { get; set; } = Path.Combine("expecto-state", "checkpoints.db");

    /// <summary>ADO.NET connection string; for PostgreSQL e.g. "Host=127.0.0.1;Port=5432;Username=…;Database=expecto".</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Job manager snapshot interval, in persisted events.</summary>
    public int SnapshotEvery { get; set; } = 1000;

    /// <summary>
    /// After repeated journal or snapshot failures (database down) the store fails calls fast for this long before
    /// trying again; short, so the cluster resumes soon after the database is back (Akka's default is 30 s).
    /// </summary>
    public TimeSpan CircuitBreakerReset { get; set; } = TimeSpan.FromSeconds(5);

    public bool IsPostgres => Provider.Equals("postgresql", StringComparison.OrdinalIgnoreCase)
                              || Provider.Equals("postgres", StringComparison.OrdinalIgnoreCase);

    public void Validate(string section)
    {
        OptionsValidation.OneOf(section + ":Provider", Provider, "sqlite", "postgresql", "postgres");
        if (IsPostgres && string.IsNullOrWhiteSpace(ConnectionString))
            throw OptionsValidation.Bad(section + ":ConnectionString", "a PostgreSQL connection string when Provider is postgresql", "");
        if (!IsPostgres && string.IsNullOrWhiteSpace(SqliteFile) && string.IsNullOrWhiteSpace(ConnectionString))
            throw OptionsValidation.Bad(section + ":SqliteFile", "a SQLite file path", SqliteFile);
        OptionsValidation.AtLeast(section + ":SnapshotEvery", SnapshotEvery, 1);
        OptionsValidation.Positive(section + ":CircuitBreakerReset", CircuitBreakerReset);
    }
}

/// <summary>Job management: leases, retries, sharding of gene entities.</summary>
public sealed class CoordinatorOptions : IValidatedOptions
{
    public const string Section = "Coordinator";

    /// <summary>A lease not renewed for this long ends and the gene is re-issued. Workers renew every third of it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Leases a gene may use up (errors, expiries, revocations) before it fails for good.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How often a settled gene re-announces itself until the job manager records it.</summary>
    public TimeSpan SettlementRetry { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// After a job manager (re)start, a lease held by a worker that has not registered within this time is
    /// revoked: its holder died with the previous incarnation (embedded mode) or left while nobody watched.
    /// Several worker heartbeats long.
    /// </summary>
    public TimeSpan WorkerReregistrationGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the job manager re-checks its dispatch state (lost messages, idle workers).</summary>
    public TimeSpan DispatchTick { get; set; } = TimeSpan.FromSeconds(2);

    public void Validate(string section)
    {
        OptionsValidation.Positive(section + ":LeaseDuration", LeaseDuration);
        OptionsValidation.AtLeast(section + ":MaxAttempts", MaxAttempts, 1);
        OptionsValidation.Positive(section + ":SettlementRetry", SettlementRetry);
        OptionsValidation.NotNegative(section + ":WorkerReregistrationGrace", WorkerReregistrationGrace);
        OptionsValidation.Positive(section + ":DispatchTick", DispatchTick);
    }
}

/// <summary>A worker: devices, slots, heartbeat.</summary>
public sealed class WorkerOptions : IValidatedOptions
{
    public const string Section = "Worker";

    /// <summary>Comma-separated devices, one inference loop each: "cpu" or "cuda:0,cuda:1".</summary>
    public string Devices { get; set; } = "cpu";

    /// <summary>Genes held at once per device (the credit each device loop offers): one running, the rest prefetched so the loop never waits on a lease.</summary>
    public int SlotsPerDevice { get; set; } = 2;

    /// <summary>How often a worker re-announces its capacity and holdings and resends unacknowledged completions.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A gene whose engine has not returned after this long is treated as stuck (hung CUDA kernel, NFS hang): the
    /// worker stops renewing its lease, so the lease expires and the gene is re-issued elsewhere, hands back the
    /// genes queued on that device and takes no new work on it until the stuck run returns. Must exceed the
    /// slowest legitimate gene (a CPU-only worker running the full model needs far more). Zero or negative: off.
    /// </summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Precisions this worker runs, comma-separated (fp32, tf32, bf16; default all three). A gene of a job asking for
    /// another fails with an error naming this setting, so e.g. `--precision fp32` keeps a worker exact whatever is
    /// submitted. Each must also suit the devices: tf32 needs CUDA, bf16 on a CPU needs AVX512-BF16 or AMX.
    /// </summary>
    public string Precisions { get; set; } = "fp32,tf32,bf16";

    /// <summary>
    /// CPU threads for inference: the incremental engine runs this many mutation batches at once, each on its own
    /// single-threaded libtorch thread (same results bit for bit, 1.8–2.0× on 2 cores); other inference uses libtorch's
    /// intra-op pool of this size. 0: one per CPU this process may
    /// use (<see cref="Environment.ProcessorCount"/>, which honours a container's CPU limit, where libtorch alone would
    /// take every core of the host). Several workers on one machine must split the cores between them: libtorch's
    /// threads spin while they wait for each other, so two 2-thread workers on 2 cores ran 7× slower than two
    /// 1-thread workers (docs/cluster.md).
    /// </summary>
    public int Threads { get; set; }

    /// <summary><see cref="Threads"/> with 0 resolved.</summary>
    public int CpuThreads() => Threads > 0 ? Threads : Environment.ProcessorCount;

    public IReadOnlyList<string> DeviceList() =>
        Devices.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary><see cref="Precisions"/> parsed.</summary>
    public IReadOnlyList<ExPecto.Core.Chromatin.ComputePrecision> PrecisionList() =>
        Precisions.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => ExPecto.Core.Chromatin.ComputePrecisions.Parse(p, Section + ":Precisions")).Distinct().ToList();

    public void Validate(string section)
    {
        if (string.IsNullOrWhiteSpace(Devices)) throw OptionsValidation.Bad(section + ":Devices", "cpu, or CUDA devices such as cuda:0,cuda:1", Devices);
        OptionsValidation.AtLeast(section + ":SlotsPerDevice", SlotsPerDevice, 1);
        OptionsValidation.Positive(section + ":HeartbeatInterval", HeartbeatInterval);
        OptionsValidation.NotNegative(section + ":StuckAfter", StuckAfter);
        OptionsValidation.AtLeast(section + ":Threads", Threads, 0);
        if (PrecisionList().Count == 0) throw OptionsValidation.Bad(section + ":Precisions", "one or more of fp32, tf32, bf16", Precisions);
    }
}
