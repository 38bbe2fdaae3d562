using System.Data.Common;
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

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    /// <summary>Sets them on a connection opened outside EF Core (the <see cref="SqliteWriter"/>'s).</summary>
    public static void Apply(DbConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = Sql;
        cmd.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = Sql;
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
