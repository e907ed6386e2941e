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
