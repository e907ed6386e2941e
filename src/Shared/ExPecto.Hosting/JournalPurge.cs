using System.Data.Common;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ExPecto.Hosting;

/// <summary>
/// Deletes every journal row, tag row and snapshot of the persistence ids that start with a prefix, straight in the
/// Akka.Persistence.Sql tables (SQLite or PostgreSQL). The plugin's own DeleteMessagesTo keeps each id's highest row
/// as a marker, so deleting the journals of a finished job's 24 k gene entities that way would still leave 24 k rows;
/// and it takes one transaction per entity. Here it is one statement per table. Only for ids nothing writes any more.
/// </summary>
public sealed class JournalPurge
{
    private readonly Table[] _tables;

    private sealed record Table(string Provider, string ConnectionString, string Name, string Column);

    private JournalPurge(Table[] tables) => _tables = tables;

    /// <summary>
    /// The purge for the SQL journal and snapshot store configured in <paramref name="system"/> (table names and columns
    /// from its table mapping), or null when another journal is configured (the in-memory one of tests).
    /// </summary>
    public static JournalPurge? For(ActorSystem system)
    {
        var config = system.Settings.Config;
        if (config.GetString("akka.persistence.journal.plugin") != "akka.persistence.journal.sql") return null;
        var tables = new List<Table>();
        var journal = config.GetConfig("akka.persistence.journal.sql");
        Add(tables, journal, "journal", "persistence-id");
        Add(tables, journal, "tag", "persistence-id");
        if (config.GetString("akka.persistence.snapshot-store.plugin") == "akka.persistence.snapshot-store.sql")
            Add(tables, config.GetConfig("akka.persistence.snapshot-store.sql"), "snapshot", "persistence-id");
        return new JournalPurge([.. tables]);
    }

    private static void Add(List<Table> tables, Config plugin, string block, string column)
    {
        string mapping = plugin.GetString("table-mapping", "default");
        var map = plugin.GetConfig(mapping);
        // The sqlite/postgresql mappings name no tag table; their tags stay in the journal's tags column.
        if (map?.GetConfig(block) is not { } table || !table.HasPath("table-name")) return;
        string? schema = map.GetString("schema-name", null);
        string name = Quote(table.GetString("table-name"));
        tables.Add(new Table(plugin.GetString("provider-name"), plugin.GetString("connection-string"),
            string.IsNullOrEmpty(schema) || schema == "null" ? name : Quote(schema) + "." + name, Quote(table.GetString("columns." + column))));
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Deletes the rows of every persistence id starting with <paramref name="prefix"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(string prefix, CancellationToken ct)
    {
        int deleted = 0;
        foreach (var t in _tables)
        {
            await using var conn = Open(t);
            await conn.OpenAsync(ct);
            await using var cmd = conn.CreateCommand();
            // substr, not LIKE or a range: exact whatever the collation, and no escaping of '_' or '%' in job ids.
            cmd.CommandText = $"DELETE FROM {t.Name} WHERE substr({t.Column}, 1, @n) = @prefix";
            Parameter(cmd, "n", prefix.Length);
            Parameter(cmd, "prefix", prefix);
            deleted += await cmd.ExecuteNonQueryAsync(ct);
            if (conn is NpgsqlConnection)
            {
                // PostgreSQL keeps deleted rows as dead tuples until a vacuum: without it the tables grow with every
                // job between autovacuum runs. A plain VACUUM marks the space reusable (no lock against writers).
                await using var vacuum = conn.CreateCommand();
                vacuum.CommandText = $"VACUUM {t.Name}";
                await vacuum.ExecuteNonQueryAsync(ct);
            }
        }
        return deleted;
    }

    private static DbConnection Open(Table t) => t.Provider.StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase)
        ? new NpgsqlConnection(t.ConnectionString)
        : new SqliteConnection(t.ConnectionString);

    private static void Parameter(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }
}
