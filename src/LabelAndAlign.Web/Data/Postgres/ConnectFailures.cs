using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace LabelAndAlign.Web.Data.Postgres;

/// <summary>
/// Turns a connection PostgreSQL could not give (the pool stayed full past its <c>Timeout</c>,
/// opening one timed out or was refused, the server has no connection slot left or is starting)
/// into <see cref="DatabaseBusyException"/>: nothing of the work ran, so it can be sent again.
/// Failures that waiting does not mend (a wrong password, a missing database) pass unchanged.
/// Here, where EF Core reports a failed open, because the same timeout inside a running command
/// leaves it unknown whether the command took effect.
/// </summary>
public sealed class ConnectFailures : DbConnectionInterceptor
{
    public static readonly ConnectFailures Instance = new();

    private ConnectFailures() { }

    public override void ConnectionFailed(DbConnection connection, ConnectionErrorEventData eventData) => Rethrow(connection, eventData.Exception);

    public override Task ConnectionFailedAsync(DbConnection connection, ConnectionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Rethrow(connection, eventData.Exception);
        return Task.CompletedTask;
    }

    private static void Rethrow(DbConnection connection, Exception error)
    {
        if (Describe(connection, error) is { } busy) throw new DatabaseBusyException(busy, error);
    }

    /// <summary>What ran out, with its numbers and the fix; null when the failure is not one that passes by itself.</summary>
    public static string? Describe(DbConnection connection, Exception error)
    {
        if (error is not NpgsqlException { IsTransient: true } npgsql) return null;
        var settings = new NpgsqlConnectionStringBuilder(connection.ConnectionString);
        string why = npgsql switch
        {
            PostgresException { SqlState: PostgresErrorCodes.TooManyConnections } =>
                "PostgreSQL has no connection slot left (max_connections); keep the instances' Maximum Pool Size together below it",
            PostgresException pg => $"PostgreSQL refused a connection ({pg.SqlState}: {pg.MessageText})",
            _ when error.Message.Contains("pool", StringComparison.OrdinalIgnoreCase) =>
                $"all {settings.MaxPoolSize} connections of the pool (Maximum Pool Size) stayed busy for {settings.Timeout} s (Timeout); raise them in ConnectionStrings:Default, or add instances",
            _ => $"opening a connection to {settings.Host}:{settings.Port} failed within {settings.Timeout} s (Timeout): {error.InnerException?.Message ?? error.Message}",
        };
        return $"The database is busy: {why}. Nothing was stored; send the request again in {DatabaseBusyException.RetryAfter.TotalSeconds:0} s.";
    }
}
