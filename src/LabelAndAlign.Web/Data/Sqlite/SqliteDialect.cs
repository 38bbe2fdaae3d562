using System.Data.Common;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using SQLitePCL;

namespace LabelAndAlign.Web.Data.Sqlite;

/// <summary>
/// SQLite: one writer at a time for the whole file. Write transactions of this process run one
/// after the other on the file's <see cref="SqliteWriter"/> (several to a commit), each seeing what
/// the ones before it wrote: two labelers racing for an item's last slot never both get it. The
/// writer begins with <c>BEGIN IMMEDIATE</c>, so another process writing the file (a backup) is
/// waited for up to the busy timeout (see <see cref="SqlitePragmas"/>).
/// Bulk inserts are one prepared statement run per row; the metric scan goes through SQLite's C API.
/// </summary>
public sealed class SqliteDialect : DatabaseDialect
{
    public static readonly SqliteDialect Instance = new();

    private SqliteDialect() { }

    /// <summary>Runs through the file's <see cref="SqliteWriter"/>: one writer per file in this process, several bodies to a commit.</summary>
    public override Task<T> InTransactionAsync<T>(AppDbContext db, WriteLock? writeLock, Func<CancellationToken, Task<T>> body, CancellationToken cancel) =>
        SqliteWriter.Of(db).RunAsync(db, body, cancel);

    public override async Task BulkInsertAsync<T>(AppDbContext db, IReadOnlyCollection<T> rows, CancellationToken cancel)
    {
        var table = BulkTable.Of<T>(db);
        await OnConnectionAsync<SqliteConnection>(db, async connection =>
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = (SqliteTransaction?)db.Database.CurrentTransaction?.GetDbTransaction();
            cmd.CommandText = $"INSERT INTO \"{table.Name}\" ({string.Join(", ", table.Columns.Select(c => $"\"{c.Name}\""))}) " +
                $"VALUES ({string.Join(", ", table.Columns.Select((_, i) => $"$p{i}"))});";
            var parameters = table.Columns.Select((_, i) => cmd.Parameters.Add(new SqliteParameter($"$p{i}", null))).ToArray();
            foreach (var row in rows)
            {
                for (int i = 0; i < parameters.Length; i++) parameters[i].Value = table.Columns[i].Read(row) ?? DBNull.Value;
                await cmd.ExecuteNonQueryAsync(cancel);
            }
        }, cancel);
    }

    /// <summary>
    /// Steps the statement straight through SQLite's C API: a million rows take about a fifth of
    /// the time they take through ADO.NET's reader, which is what keeps a million-point chart
    /// under a second. The covering index (RunId, Name, Step, Value, Time) means no table lookups.
    /// </summary>
    public override async Task ScanMetricAsync(AppDbContext db, int runId, string name, int fromStep, int toStep, Action<PointDto> add, CancellationToken cancel)
    {
        // Not cancellable: opening a SQLite file is instant, and EF logs a cancelled open (a chart
        // request dropped by navigating away) as a failure.
        await OnConnectionAsync<SqliteConnection>(db, connection =>
        {
            const string sql = "SELECT Step, Value, Time FROM metric_points WHERE RunId = ?1 AND Name = ?2 AND Step BETWEEN ?3 AND ?4 ORDER BY Step;";
            int rc = raw.sqlite3_prepare_v2(connection.Handle, sql, out var statement);
            if (rc != raw.SQLITE_OK) throw new InvalidOperationException($"Preparing the metrics scan failed: {raw.sqlite3_errmsg(connection.Handle).utf8_to_string()}");
            using (statement)
            {
                raw.sqlite3_bind_int(statement, 1, runId);
                raw.sqlite3_bind_text(statement, 2, name);
                raw.sqlite3_bind_int(statement, 3, fromStep);
                raw.sqlite3_bind_int(statement, 4, toStep);
                int n = 0;
                while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
                {
                    add(new PointDto(raw.sqlite3_column_int(statement, 0), raw.sqlite3_column_double(statement, 1), raw.sqlite3_column_double(statement, 2)));
                    if ((++n & 0xFFFF) == 0) cancel.ThrowIfCancellationRequested();
                }
                if (rc != raw.SQLITE_DONE) throw new InvalidOperationException($"Reading metric points failed: {raw.sqlite3_errmsg(connection.Handle).utf8_to_string()}");
            }
            return Task.CompletedTask;
        }, CancellationToken.None);
    }
}
