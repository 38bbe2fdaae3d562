using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Data;

public static class PersistenceExtensions
{
    /// <summary>
    /// The database (<see cref="DatabaseSettings"/>, read once), the context factory every service
    /// uses, and the schema migrator. The keys that sign cookies are kept by <c>AddScaleOut</c>.
    /// </summary>
    public static WebApplicationBuilder AddPersistence(this WebApplicationBuilder builder)
    {
        var settings = DatabaseSettings.From(builder.Configuration);
        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton<IDbContextFactory<AppDbContext>>(sp => new AppDbContextFactory(settings, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<SchemaMigrator>();
        services.AddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>Brings the database to the newest schema before the app takes requests.</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        string migration = await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync();
        var settings = app.Services.GetRequiredService<DatabaseSettings>();
        int warm = app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>() is AppDbContextFactory factory
            ? await factory.WarmPoolAsync(app.Lifetime.ApplicationStopping) : 0;
        app.Logger.LogInformation("Database ({Provider}) ready at schema migration {Migration}, {Warm} pooled connections open; data folder {DataDirectory}",
            settings.Provider, migration, warm, settings.DataDirectory);
    }
}
