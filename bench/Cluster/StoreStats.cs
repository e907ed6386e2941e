using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ExPecto.Bench.Cluster;

/// <summary>What the checkpoint store holds: rows per table and bytes on disk (SQLite: database + WAL files; PostgreSQL: the database).</summary>
internal sealed record StoreSample(IReadOnlyDictionary<string, long> Rows, long Bytes, long GeneRows);

/// <summary>Reads <see cref="StoreSample"/>s over a connection of its own (SQLite read-only: WAL lets it read while the journal writes).</summary>
internal sealed class StoreStats(string? sqliteFile, string? pgConnection)
{
    public string Name => pgConnection is null ? "sqlite(WAL)" : "postgresql";

    public StoreSample Take()
    {
        var rows = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long geneRows = 0;
        long bytes = sqliteFile is null ? 0 : Size(sqliteFile) + Size(sqliteFile + "-wal");
        if (sqliteFile is not null && !File.Exists(sqliteFile)) return new StoreSample(rows, bytes, 0);
        try
        {
            using DbConnection conn = pgConnection is not null
                ? new NpgsqlConnection(pgConnection)
                : new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = sqliteFile, Mode = SqliteOpenMode.ReadOnly }.ToString());
            conn.Open();
            var tables = new List<string>();
            using (var cmd = conn.CreateCommand())
            {
                cmd.CommandText = pgConnection is not null
                    ? "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
                using var r = cmd.ExecuteReader();
                while (r.Read()) tables.Add(r.GetString(0));
            }
            foreach (string t in tables)
                rows[t] = Scalar(conn, $"SELECT COUNT(*) FROM \"{t}\"");
            foreach (string t in new[] { "journal", "snapshot" }.Where(tables.Contains))
                geneRows += Scalar(conn, $"SELECT COUNT(*) FROM \"{t}\" WHERE persistence_id LIKE 'gene-%'");
            if (tables.Contains("journal"))
            {
                // Whose rows: the job manager, sharding's coordinator, the gene entities, anything else.
                rows["journal: job manager"] = Scalar(conn, "SELECT COUNT(*) FROM journal WHERE persistence_id = 'expecto-job-manager'");
                rows["journal: sharding"] = Scalar(conn, "SELECT COUNT(*) FROM journal WHERE persistence_id LIKE '/system/sharding/%'");
                rows["journal: other"] = rows["journal"] - rows["journal: job manager"] - rows["journal: sharding"]
                                         - Scalar(conn, "SELECT COUNT(*) FROM journal WHERE persistence_id LIKE 'gene-%'");
            }
            if (tables.Contains("snapshot"))
                rows["largest snapshot bytes"] = Scalar(conn, pgConnection is not null
                    ? "SELECT COALESCE(MAX(octet_length(snapshot)), 0) FROM snapshot"
                    : "SELECT COALESCE(MAX(LENGTH(snapshot)), 0) FROM snapshot");
            if (pgConnection is not null)
                bytes = Scalar(conn, "SELECT pg_database_size(current_database())");
        }
        catch (DbException)
        {
            // Busy or not yet created: this sample has no row counts.
        }
        return new StoreSample(rows, bytes, geneRows);
    }

    private static long Scalar(DbConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static long Size(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>This process's VmRSS and VmHWM (peak), KiB.</summary>
    public static (long RssKb, long HwmKb) ReadProcStatus()
    {
        long rss = 0, hwm = 0;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kb(line);
        }
        return (rss, hwm);
        static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
