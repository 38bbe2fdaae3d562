using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Data;

public static class PersistenceExtensions
{
    /// <summary>EF Core over the SQLite file named by <c>ConnectionStrings:Default</c>.</summary>
    public static WebApplicationBuilder AddPersistence(this WebApplicationBuilder builder)
    {
        string connectionString = builder.Configuration.GetConnectionString("Default")
            ?? throw new InvalidOperationException("ConnectionStrings:Default is not set; it names the SQLite file, e.g. 'Data Source=./data/labelandalign.db'.");
        builder.Services.AddSingleton<SqlitePragmas>();
        builder.Services.AddDbContext<AppDbContext>((sp, o) => o
            .UseSqlite(connectionString)
            .AddInterceptors(sp.GetRequiredService<SqlitePragmas>()));
        builder.Services.AddSingleton<SchemaMigrator>();
        builder.Services.AddSingleton(TimeProvider.System);
        // Cookie and antiforgery keys live beside the database, so sign-ins survive restarts.
        builder.Services.AddDataProtection()
            .SetApplicationName("LabelAndAlign")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(DataDirectory(connectionString), "keys")));
        return builder;
    }

    /// <summary>The folder holding the SQLite file (the working directory for an in-memory database).</summary>
    public static string DataDirectory(string connectionString)
    {
        var source = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource;
        if (string.IsNullOrEmpty(source) || source == ":memory:") return Path.GetFullPath("data");
        return Path.GetDirectoryName(Path.GetFullPath(source)) ?? Path.GetFullPath("data");
    }

    /// <summary>Brings the database to the newest schema before the app takes requests.</summary>
    public static void MigrateDatabase(this WebApplication app)
    {
        string connectionString = app.Configuration.GetConnectionString("Default")!;
        int version = app.Services.GetRequiredService<SchemaMigrator>().Migrate(connectionString, SchemaMigration.Embedded);
        app.Logger.LogInformation("Database ready at schema version {Version}", version);
    }
}
