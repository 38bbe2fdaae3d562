using LabelAndAlign.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace LabelAndAlign.Web.Tests;

/// <summary>A migrated SQLite file in a temporary folder, deleted on dispose.</summary>
public sealed class TestDatabase : IDisposable
{
    public string Directory { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lna-db-tests", Guid.NewGuid().ToString("N"));
    public string Path => System.IO.Path.Combine(Directory, "test.db");
    public string ConnectionString => $"Data Source={Path}";

    public TestDatabase(bool migrate = true)
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (migrate) new SchemaMigrator(NullLogger<SchemaMigrator>.Instance).Migrate(ConnectionString, SchemaMigration.Embedded);
    }

    public AppDbContext CreateContext() =>
        new(new DbContextOptionsBuilder<AppDbContext>().UseSqlite(ConnectionString).AddInterceptors(new SqlitePragmas()).Options);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
