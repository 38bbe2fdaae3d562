using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LabelAndAlign.Web.Data.Sqlite;

/// <summary>
/// Per-connection settings SQLite does not keep in the file: full fsync on commit (an
/// acknowledged label survives power loss), foreign keys on, and a busy timeout so concurrent
/// writers wait for the lock instead of failing with "database is locked".
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();

    private SqlitePragmas() { }

    /// <summary>How long a writer waits for the file's write lock before giving up.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(10);

    private static readonly string Sql = $"PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout={(int)BusyTimeout.TotalMilliseconds};";

    // SQLite connections are pooled: an open hands back a native connection that already has these
    // settings whenever it was opened before, and EF Core opens one for nearly every query.
    private static readonly ConditionalWeakTable<sqlite3, object> Configured = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        // Setting pragmas never waits on the file: the synchronous call is the whole of it.
        Apply(connection);
        return Task.CompletedTask;
    }

    /// <summary>Sets them once per native connection (also on one opened outside EF Core, the <see cref="SqliteWriter"/>'s).</summary>
    public static void Apply(DbConnection connection)
    {
        var handle = ((SqliteConnection)connection).Handle!;
        if (Configured.TryGetValue(handle, out _)) return;
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = Sql;
            cmd.ExecuteNonQuery();
        }
        Configured.AddOrUpdate(handle, Configured);
    }
}
