using Npgsql;

namespace ExPecto.Cluster.Tests.Processes;

/// <summary>
/// A fresh PostgreSQL database per test on the server named by EXPECTO_TEST_PG (a connection string whose user
/// may CREATE DATABASE); without it the PostgreSQL variants skip, saying so.
/// </summary>
internal sealed class PostgresDatabase : IDisposable
{
    public const string Variable = "EXPECTO_TEST_PG";
    private readonly string _admin;
    private readonly string _name = "expecto_test_" + Guid.NewGuid().ToString("N")[..12];

    public string ConnectionString { get; }

    private PostgresDatabase(string admin)
    {
        _admin = admin;
        Exec($"CREATE DATABASE {_name}");
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = _name }.ToString();
    }

    /// <summary>Null for SQLite; for PostgreSQL a new database, or a skip when EXPECTO_TEST_PG is unset.</summary>
    public static PostgresDatabase? For(string store)
    {
        if (store == "sqlite") return null;
        string? admin = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(admin))
            Assert.Skip($"{Variable} is not set (a PostgreSQL connection string); skipping the PostgreSQL variant");
        return new PostgresDatabase(admin!);
    }

    private void Exec(string sql)
    {
        using var conn = new NpgsqlConnection(_admin);
        conn.Open();
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        try { Exec($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)"); } catch (NpgsqlException) { }
    }
}

/// <summary>
/// Stops and restarts the test PostgreSQL server through the script named by EXPECTO_TEST_PG_CTL (test.sh writes
/// it: pg_ctl with that server's data folder, as the postgres user), for the outage test; without it that test
/// skips, saying so.
/// </summary>
internal sealed class PostgresServer
{
    public const string Variable = "EXPECTO_TEST_PG_CTL";
    private readonly string _control;
    private readonly string _admin;

    private PostgresServer(string control, string admin)
    {
        _control = control;
        _admin = admin;
    }

    public static PostgresServer Require()
    {
        string? control = Environment.GetEnvironmentVariable(Variable);
        string? admin = Environment.GetEnvironmentVariable(PostgresDatabase.Variable);
        if (string.IsNullOrWhiteSpace(control) || string.IsNullOrWhiteSpace(admin))
            Assert.Skip($"{Variable} (a pg_ctl wrapper, see test.sh) and {PostgresDatabase.Variable} are needed to stop and restart PostgreSQL; skipping the outage test");
        return new PostgresServer(control!, admin!);
    }

    /// <summary>Immediate shutdown: connections cut, no checkpoint — as a crash or a network loss looks to clients.</summary>
    public void Stop() => Run("stop", "-m", "immediate");

    public void Start() => Run("start");

    /// <summary>Whether a fresh connection (no pool) is accepted now.</summary>
    public bool Accepts()
    {
        var cs = new NpgsqlConnectionStringBuilder(_admin) { Pooling = false, Timeout = 3 }.ToString();
        try
        {
            using var conn = new NpgsqlConnection(cs);
            conn.Open();
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return false;
        }
    }

    private void Run(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(_control) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{_control} {string.Join(' ', args)} exited {p.ExitCode}: {output}");
    }
}
