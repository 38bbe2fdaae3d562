using LabelAndAlign.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// A fresh, migrated database for one test, with its own data folder, deleted on dispose.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    public TestDatabase(bool migrate = true)
    {
        System.IO.Directory.CreateDirectory(Directory);
        Settings = DatabaseSettings.From(new ConfigurationBuilder().AddInMemoryCollection(Configuration).Build());
        Factory = new AppDbContextFactory(Settings);
        if (migrate) Migrate();
    }

    /// <summary>The data folder (run folders, checkpoints); the SQLite file lives here too.</summary>
    public string Directory { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lna-db-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The SQLite file.</summary>
    public string Path => System.IO.Path.Combine(Directory, "test.db");

    public string ConnectionString => $"Data Source={Path}";

    /// <summary>The settings the app would be given for this database (<c>Database:*</c>, <c>ConnectionStrings:Default</c>, <c>Storage:DataDirectory</c>).</summary>
    public Dictionary<string, string?> Configuration => new()
    {
        [DatabaseSettings.ProviderKey] = "sqlite",
        ["ConnectionStrings:Default"] = ConnectionString,
        [DatabaseSettings.DataDirectoryKey] = Directory,
    };

    public DatabaseSettings Settings { get; }

    public IDbContextFactory<AppDbContext> Factory { get; }

    public AppDbContext CreateContext() => Factory.CreateDbContext();

    public SchemaMigrator Migrator() => new(Factory, Settings, NullLogger<SchemaMigrator>.Instance);

    public string Migrate() => Migrator().MigrateAsync().GetAwaiter().GetResult();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
