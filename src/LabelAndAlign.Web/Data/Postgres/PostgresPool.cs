using Npgsql;

namespace LabelAndAlign.Web.Data.Postgres;

/// <summary>
/// The connection pool of one app instance. Opening a PostgreSQL connection costs a server
/// process and a SCRAM handshake on both ends: cheap on an idle machine, seconds on a starved one,
/// which is exactly when a pool grows. So the pool starts warm (<see cref="WarmAsync"/> opens
/// <c>Minimum Pool Size</c> connections before the app takes requests, and the pool keeps that many
/// open) and stays small enough that the instances together fit PostgreSQL's <c>max_connections</c>
/// (100 by default): a request waits for a free connection (up to <c>Timeout</c>) instead of opening
/// one more. Settings the connection string names win over these defaults.
/// </summary>
public static class PostgresPool
{
    public const int DefaultMinimum = 10, DefaultMaximum = 50;

    /// <summary>The connection string with the pool defaults filled in where it names none.</summary>
    public static string WithDefaults(string connectionString)
    {
        var given = new NpgsqlConnectionStringBuilder(connectionString);
        var named = Names(connectionString);
        if (!named.Overlaps(["minimum pool size", "minpoolsize"])) given.MinPoolSize = Math.Min(DefaultMinimum, given.MaxPoolSize);
        if (!named.Overlaps(["maximum pool size", "maxpoolsize"])) given.MaxPoolSize = Math.Max(DefaultMaximum, given.MinPoolSize);
        return given.ConnectionString;
    }

    /// <summary>The keys the connection string names, lower case.</summary>
    private static HashSet<string> Names(string connectionString) =>
        connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2)[0].Trim().ToLowerInvariant()).ToHashSet();

    /// <summary>Opens the pool's minimum of connections at once and hands them back, so the first crowd of requests finds them open.</summary>
    public static async Task<int> WarmAsync(NpgsqlDataSource dataSource, CancellationToken cancel)
    {
        int minimum = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).MinPoolSize;
        var connections = await Task.WhenAll(Enumerable.Range(0, minimum).Select(_ => dataSource.OpenConnectionAsync(cancel).AsTask()));
        foreach (var connection in connections) await connection.DisposeAsync();
        return minimum;
    }
}
