using LabelAndAlign.Tests;
using LabelAndAlign.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// A fresh database for one test, on the provider the run is for (<see cref="TestServers.Provider"/>,
/// or the one a provider-specific test names), with its own data folder; dropped on dispose.
/// Migrated databases start as copies of one migrated per test process (PostgreSQL's
/// <c>CREATE DATABASE … TEMPLATE</c>, a file copy on SQLite), so each test costs a copy, not a migration.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    private static readonly Lazy<string> SqliteTemplate = new(() => MigratedTemplate(DatabaseProvider.Sqlite));
    private static readonly Lazy<string> PostgresTemplate = new(() => MigratedTemplate(DatabaseProvider.Postgres));

    public TestDatabase(bool migrate = true, DatabaseProvider? provider = null)
    {
        Provider = provider ?? (TestServers.OnPostgres ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite);
        System.IO.Directory.CreateDirectory(Directory);
        if (Provider == DatabaseProvider.Sqlite)
        {
            ConnectionString = $"Data Source={Path}";
            if (migrate) File.Copy(SqliteTemplate.Value, Path);
        }
        else
        {
            ConnectionString = TestServers.CreatePostgresDatabase(TestServers.NewDatabaseName("test"), migrate ? PostgresTemplate.Value : null);
        }
        Settings = DatabaseSettings.From(new ConfigurationBuilder().AddInMemoryCollection(Configuration).Build());
        _factory = new AppDbContextFactory(Settings);
    }

    private readonly AppDbContextFactory _factory;

    public DatabaseProvider Provider { get; }

    /// <summary>The data folder (run folders, checkpoints); a SQLite file lives here too.</summary>
    public string Directory { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lna-db-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The SQLite file (SQLite only).</summary>
    public string Path => System.IO.Path.Combine(Directory, "test.db");

    public string ConnectionString { get; }

    /// <summary>The settings the app is given for this database (<c>Database:Provider</c>, <c>ConnectionStrings:Default</c>, <c>Storage:DataDirectory</c>).</summary>
    public Dictionary<string, string?> Configuration => new()
    {
        [DatabaseSettings.ProviderKey] = Provider == DatabaseProvider.Postgres ? "postgres" : "sqlite",
        ["ConnectionStrings:Default"] = ConnectionString,
        [DatabaseSettings.DataDirectoryKey] = Directory,
    };

    public DatabaseSettings Settings { get; }

    public IDbContextFactory<AppDbContext> Factory => _factory;

    public AppDbContext CreateContext() => Factory.CreateDbContext();

    public SchemaMigrator Migrator() => new(Factory, Settings, NullLogger<SchemaMigrator>.Instance);

    public string Migrate() => Migrator().MigrateAsync().GetAwaiter().GetResult();

    public void Dispose()
    {
        _factory.Dispose();
        if (Provider == DatabaseProvider.Postgres) TestServers.DropPostgresDatabase(ConnectionString);
        else SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }

    /// <summary>A database migrated once per test process: a SQLite file's path, or a PostgreSQL database's name.</summary>
    private static string MigratedTemplate(DatabaseProvider provider)
    {
        string folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lna-db-tests");
        System.IO.Directory.CreateDirectory(folder);
        string name = TestServers.NewDatabaseName("template");
        string connectionString = provider == DatabaseProvider.Sqlite
            ? $"Data Source={System.IO.Path.Combine(folder, name + ".db")};Pooling=False"
            : TestServers.CreatePostgresDatabase(name);
        var settings = DatabaseSettings.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [DatabaseSettings.ProviderKey] = provider == DatabaseProvider.Postgres ? "postgres" : "sqlite",
            ["ConnectionStrings:Default"] = connectionString,
            [DatabaseSettings.DataDirectoryKey] = folder,
        }).Build());
        // Disposed before the template is copied: a PostgreSQL template must have no open connections.
        using (var factory = new AppDbContextFactory(settings))
            new SchemaMigrator(factory, settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync().GetAwaiter().GetResult();
        if (provider == DatabaseProvider.Sqlite)
        {
            string file = new SqliteConnectionStringBuilder(connectionString).DataSource;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(file);
            return file;
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TestServers.DropPostgresDatabase(connectionString);
        return name;
    }
}
