namespace ExPecto.Admin;

/// <summary>What went wrong with an admin command, as the client needs to know it (it picks the exit code).</summary>
public enum AdminErrorKind
{
    /// <summary>Unknown palette or command, missing or malformed argument (HTTP 400, client exit 2).</summary>
    BadRequest,
    /// <summary>The named job, schedule, region or member does not exist (HTTP 404, client exit 1).</summary>
    NotFound,
    /// <summary>The command is valid but not in the current state, e.g. resuming a finished job (HTTP 409, exit 1).</summary>
    Conflict,
    /// <summary>The node cannot answer now, e.g. it has not joined the cluster (HTTP 503, exit 1).</summary>
    Unavailable,
}

/// <summary>
/// A failure meant for the operator: its message is shown as one line, so it must say what was expected and what
/// was found. Handler implementations (<see cref="Contracts.IJobAdmin"/>, …) throw it for user-facing errors.
/// </summary>
public sealed class AdminException(AdminErrorKind kind, string message) : Exception(message)
{
    public AdminErrorKind Kind { get; } = kind;

    public static AdminException BadRequest(string message) => new(AdminErrorKind.BadRequest, message);

    public static AdminException NotFound(string message) => new(AdminErrorKind.NotFound, message);

    public static AdminException Conflict(string message) => new(AdminErrorKind.Conflict, message);

    public static AdminException Unavailable(string message) => new(AdminErrorKind.Unavailable, message);
}
