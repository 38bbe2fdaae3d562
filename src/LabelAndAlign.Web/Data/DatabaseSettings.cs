using Microsoft.Data.Sqlite;

namespace LabelAndAlign.Web.Data;

/// <summary>Which engine holds the data: an embedded SQLite file (one app instance) or PostgreSQL (one or many).</summary>
public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>
/// Where the data lives, read once from configuration: <c>Database:Provider</c> (<c>sqlite</c>, the
/// default, or <c>postgres</c>), <c>ConnectionStrings:Default</c> for either, and
/// <c>Storage:DataDirectory</c>, the folder for run folders, checkpoints and signing keys. With
/// SQLite that folder defaults to the database file's own; with PostgreSQL to <c>./data</c>, and
/// several instances must share one (a network mount) so every instance sees every checkpoint.
/// </summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString, string DataDirectory)
{
    public const string ProviderKey = "Database:Provider", ConnectionStringName = "Default", DataDirectoryKey = "Storage:DataDirectory";

    public static DatabaseSettings From(IConfiguration configuration)
    {
        string providerName = configuration[ProviderKey] is { Length: > 0 } p ? p.Trim() : "sqlite";
        var provider = providerName.ToLowerInvariant() switch
        {
            "sqlite" => DatabaseProvider.Sqlite,
            "postgres" or "postgresql" => DatabaseProvider.Postgres,
            _ => throw new InvalidOperationException($"{ProviderKey} is '{providerName}'; use 'sqlite' (the default) or 'postgres'."),
        };
        string connectionString = configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } cs ? cs
            : throw new InvalidOperationException(provider == DatabaseProvider.Sqlite
                ? "ConnectionStrings:Default is not set; it names the SQLite file, e.g. 'Data Source=./data/labelandalign.db'."
                : "ConnectionStrings:Default is not set; for PostgreSQL it looks like 'Host=db;Database=labelandalign;Username=lna;Password=…'.");
        if (provider == DatabaseProvider.Postgres && connectionString.Contains("Data Source=", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"{ProviderKey} is postgres but ConnectionStrings:Default names a SQLite file ('{connectionString}'); give a PostgreSQL connection string, e.g. 'Host=db;Database=labelandalign;Username=lna;Password=…'.");
        string? configured = configuration[DataDirectoryKey];
        string dataDirectory = Path.GetFullPath(!string.IsNullOrWhiteSpace(configured) ? configured
            : provider == DatabaseProvider.Sqlite ? SqliteFolder(connectionString) : "data");
        return new DatabaseSettings(provider, connectionString, dataDirectory);
    }

    /// <summary>The folder holding the SQLite file (./data for an in-memory database).</summary>
    private static string SqliteFolder(string connectionString)
    {
        var source = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (string.IsNullOrEmpty(source) || source == ":memory:") return "data";
        return Path.GetDirectoryName(Path.GetFullPath(source)) ?? "data";
    }
}
