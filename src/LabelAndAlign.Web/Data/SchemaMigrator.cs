using Microsoft.Data.Sqlite;

namespace LabelAndAlign.Web.Data;

/// <summary>
/// Brings a SQLite database to the newest schema by applying numbered SQL scripts
/// (<see cref="SchemaMigration"/>) that it has not seen, each in its own transaction, recording
/// them in <c>schema_migrations</c>. Why scripts rather than EF migrations: the <c>dotnet ef</c>
/// tools are not available here, and plain SQL keeps every upgrade reviewable. Before upgrading
/// a database that already holds data it keeps a copy beside it (<c>VACUUM INTO</c>).
/// </summary>
public sealed class SchemaMigrator(ILogger<SchemaMigrator> logger)
{
    /// <summary>Creates the file (and its folder) if needed, turns on WAL, and applies pending scripts.</summary>
    public int Migrate(string connectionString, IReadOnlyList<SchemaMigration> migrations)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        }

        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                Version   INTEGER NOT NULL PRIMARY KEY,
                Name      TEXT    NOT NULL,
                AppliedAt TEXT    NOT NULL
            );
            """);

        int current = CurrentVersion(connection);
        int newest = migrations.Count == 0 ? 0 : migrations.Max(m => m.Version);
        if (current > newest)
            throw new InvalidOperationException(
                $"The database is at schema version {current}, newer than this build knows ({newest}). " +
                "Run a newer version of LabelAndAlign, or restore a backup made by this version.");

        var pending = migrations.Where(m => m.Version > current).OrderBy(m => m.Version).ToList();
        if (pending.Count == 0) return current;

        if (current > 0 && builder.DataSource is { Length: > 0 } file && File.Exists(file))
        {
            string backup = $"{file}.before-v{pending[0].Version}.bak";
            if (!File.Exists(backup))
            {
                using var cmd = connection.CreateCommand();
                cmd.CommandText = "VACUUM INTO $path;";
                cmd.Parameters.AddWithValue("$path", backup);
                cmd.ExecuteNonQuery();
                logger.LogInformation("Copied the database to {Backup} before upgrading from schema {From}", backup, current);
            }
        }

        foreach (var m in pending)
        {
            using var tx = connection.BeginTransaction();
            try
            {
                Execute(connection, m.Sql, tx);
                m.Code?.Invoke(connection, tx);
                using var record = connection.CreateCommand();
                record.Transaction = tx;
                record.CommandText = "INSERT INTO schema_migrations (Version, Name, AppliedAt) VALUES ($v, $n, $t);";
                record.Parameters.AddWithValue("$v", m.Version);
                record.Parameters.AddWithValue("$n", m.Name);
                record.Parameters.AddWithValue("$t", DateTime.UtcNow.ToString("O"));
                record.ExecuteNonQuery();
                tx.Commit();
            }
            catch (SqliteException e)
            {
                throw new InvalidOperationException($"Schema migration {m.Version:D4}_{m.Name} failed and was rolled back: {e.Message}", e);
            }
            logger.LogInformation("Applied schema migration {Version} {Name}", m.Version, m.Name);
        }
        return pending[^1].Version;
    }

    /// <summary>The highest version recorded, 0 for a new database.</summary>
    public static int CurrentVersion(SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COALESCE(MAX(Version), 0) FROM schema_migrations;";
        return Convert.ToInt32(cmd.ExecuteScalar());
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
