using Npgsql;

namespace LabelAndAlign.Tests;

/// <summary>
/// The database the provider-dependent tests run on, chosen by <c>LNA_TEST_DATABASE</c>
/// (<c>sqlite</c>, the default, or <c>postgres</c>), and the servers <c>scripts/test</c> starts:
/// PostgreSQL (<c>LNA_TEST_POSTGRES</c>, a connection string of a user who may create databases)
/// and Redis (<c>LNA_TEST_REDIS</c>, a StackExchange.Redis configuration string). Each test gets a
/// database of its own, dropped when it is done.
/// </summary>
internal static class TestServers
{
    public static string Provider { get; } = (Environment.GetEnvironmentVariable("LNA_TEST_DATABASE") ?? "sqlite").Trim().ToLowerInvariant() switch
    {
        "" or "sqlite" => "sqlite",
        "postgres" => "postgres",
        var other => throw new InvalidOperationException($"LNA_TEST_DATABASE is '{other}'; use sqlite or postgres."),
    };

    public static bool OnPostgres => Provider == "postgres";

    public static string PostgresAdmin => Environment.GetEnvironmentVariable("LNA_TEST_POSTGRES") is { Length: > 0 } cs ? cs
        : throw new InvalidOperationException(
            "These tests need PostgreSQL: run them through 'bash scripts/test' (it installs and starts PostgreSQL and Redis on loopback ports), " +
            "or set LNA_TEST_POSTGRES to the connection string of a user who may create databases, e.g. 'Host=127.0.0.1;Port=5432;Username=lna;Password=…'.");

    public static string Redis => Environment.GetEnvironmentVariable("LNA_TEST_REDIS") is { Length: > 0 } r ? r
        : throw new InvalidOperationException(
            "These tests need Redis: run them through 'bash scripts/test' (it installs and starts PostgreSQL and Redis on loopback ports), " +
            "or set LNA_TEST_REDIS to a StackExchange.Redis configuration, e.g. '127.0.0.1:6379,password=…'.");

    /// <summary>Creates an empty database (or a copy of <paramref name="template"/>) and returns its connection string.</summary>
    public static string CreatePostgresDatabase(string name, string? template = null)
    {
        using var admin = new NpgsqlConnection(PostgresAdmin);
        admin.Open();
        using var cmd = admin.CreateCommand();
        cmd.CommandText = template is null ? $"CREATE DATABASE \"{name}\"" : $"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"";
        cmd.ExecuteNonQuery();
        return new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name }.ConnectionString;
    }

    /// <summary>Drops the database, ending whatever connections still use it.</summary>
    public static void DropPostgresDatabase(string connectionString)
    {
        string name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        using (var pooled = new NpgsqlConnection(connectionString)) NpgsqlConnection.ClearPool(pooled);
        using var admin = new NpgsqlConnection(PostgresAdmin);
        admin.Open();
        using var cmd = admin.CreateCommand();
        cmd.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
        cmd.ExecuteNonQuery();
    }

    /// <summary>A database name no other test uses: <c>lna_&lt;purpose&gt;_&lt;random&gt;</c>.</summary>
    public static string NewDatabaseName(string purpose) => $"lna_{purpose}_{Guid.NewGuid():N}";
}
