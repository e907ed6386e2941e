namespace ExPecto.Admin;

/// <summary>
/// Where a node serves its admin console and health endpoints, and where it finds the admin token.
/// Bound from the configuration section <see cref="Section"/> like every other option: environment
/// <c>EXPECTO_ADMIN__ENDPOINT</c>, <c>EXPECTO_ADMIN__TOKENFILE</c>; command line <c>--admin host:port</c> on every role.
/// </summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>The command-line switch every role takes for <see cref="Endpoint"/>.</summary>
    public const string EndpointSwitch = "--admin";

    /// <summary>The environment variable that binds <see cref="Endpoint"/>.</summary>
    public const string EndpointEnvironmentVariable = "EXPECTO_ADMIN__ENDPOINT";

    /// <summary>The environment variable that binds <see cref="TokenFile"/>.</summary>
    public const string TokenFileSettingEnvironmentVariable = "EXPECTO_ADMIN__TOKENFILE";

    /// <summary>What a node writes on stderr once the console listens, followed by host:port (tests and operators look for it).</summary>
    public const string ListeningLogPrefix = "admin endpoint: ";

    /// <summary>The environment variable that may carry the token itself (read once, at start).</summary>
    public const string TokenEnvironmentVariable = "EXPECTO_ADMIN_TOKEN";

    /// <summary>The environment variable that may name a file holding the token (re-read when the file changes).</summary>
    public const string TokenFileEnvironmentVariable = "EXPECTO_ADMIN_TOKEN_FILE";

    /// <summary>The default endpoint: loopback only, so a node exposes nothing unless configured to.</summary>
    public const string DefaultEndpoint = "127.0.0.1:9110";

    /// <summary>
    /// host:port the endpoint listens on. Port 0 picks a free port (tests). In Kubernetes use 0.0.0.0:9110 so the
    /// kubelet reaches /healthz and /readyz; NetworkPolicy then limits who reaches the port.
    /// </summary>
    public string Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>
    /// A file holding the token (first line, surrounding whitespace ignored). It is re-read whenever its
    /// modification time changes, so a rotated Kubernetes Secret takes effect without a restart.
    /// When unset, <see cref="TokenFileEnvironmentVariable"/> and then <see cref="TokenEnvironmentVariable"/> are used.
    /// </summary>
    public string? TokenFile { get; set; }

    /// <summary>The token given in code (tests, embedded mode). Takes precedence over files and the environment.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// Whether read-only commands need no token when the caller connects from loopback. Callers from other
    /// addresses always need the token.
    /// </summary>
    public bool OpenReadOnlyOnLoopback { get; set; } = true;

    /// <summary>
    /// Whether <c>GET /metrics</c> needs no token from any address (default off: like every read-only command it
    /// is open on loopback only). Turn on where Prometheus scrapes pods by annotation without a token and a
    /// NetworkPolicy limits who reaches the port; metrics carry counts and timings, never a secret.
    /// </summary>
    public bool MetricsWithoutToken { get; set; }

    /// <summary>
    /// Whether a node fails to start when the endpoint cannot be bound (the port is taken). A role given an
    /// endpoint (<c>--admin</c>, <c>EXPECTO_ADMIN__ENDPOINT</c>) fails, since the operator asked for that port;
    /// one left on the default, and the embedded <c>expecto run</c> always, warn and run on without a console,
    /// so several processes on one machine, or a long run, are never stopped by a busy 9110.
    /// </summary>
    public bool FailIfUnavailable { get; set; } = true;

    /// <summary>
    /// When set, the endpoint serves HTTPS only, presenting this certificate (with its private key). Every role sets
    /// it to the node's cluster certificate when Cluster:Tls is enabled, so the token never crosses a network in
    /// clear; clients pin the cluster CA (<c>expecto admin --ca</c>). Set in code, not bound from configuration.
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; set; }

    /// <summary>The client's CA file for an HTTPS endpoint (<c>expecto admin --ca F</c>); see <see cref="Security.PinnedCa"/>.</summary>
    public const string CaFileEnvironmentVariable = "EXPECTO_ADMIN_CA_FILE";

    /// <summary>How long a command may wait on the cluster (sharding statistics, handler calls) before it fails.</summary>
    public TimeSpan AskTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
