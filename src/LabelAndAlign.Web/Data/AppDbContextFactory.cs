using LabelAndAlign.Web.Data.Postgres;
using LabelAndAlign.Web.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LabelAndAlign.Web.Data;

/// <summary>
/// The one way to a database context: a short-lived context per operation, of the configured
/// provider's type. Services take <c>IDbContextFactory&lt;AppDbContext&gt;</c>; nothing holds a
/// context longer than one method, so pages and background work never share one.
/// </summary>
public sealed class AppDbContextFactory : IDbContextFactory<AppDbContext>, IDisposable
{
    private readonly Func<AppDbContext> _create;
    private readonly NpgsqlDataSource? _dataSource;

    public AppDbContextFactory(DatabaseSettings settings, ILoggerFactory? loggerFactory = null)
    {
        Settings = settings;
        switch (settings.Provider)
        {
            case DatabaseProvider.Sqlite:
            {
                var builder = new DbContextOptionsBuilder<SqliteAppDbContext>()
                    .UseSqlite(settings.ConnectionString)
                    .AddInterceptors(SqlitePragmas.Instance);
                if (loggerFactory is not null) builder.UseLoggerFactory(loggerFactory);
                var options = builder.Options;
                _create = () => new SqliteAppDbContext(options);
                break;
            }
            case DatabaseProvider.Postgres:
            {
                // One data source (its connection pool) for every context of this app.
                _dataSource = new NpgsqlDataSourceBuilder(PostgresPool.WithDefaults(settings.ConnectionString)).Build();
                var builder = new DbContextOptionsBuilder<PostgresAppDbContext>()
                    .UseNpgsql(_dataSource)
                    .AddInterceptors(RowLockInterceptor.Instance, ConnectFailures.Instance);
                if (loggerFactory is not null) builder.UseLoggerFactory(loggerFactory);
                var options = builder.Options;
                _create = () => new PostgresAppDbContext(options);
                break;
            }
            default:
                throw new InvalidOperationException($"Database provider {settings.Provider} is not supported.");
        }
    }

    public DatabaseSettings Settings { get; }

    public AppDbContext CreateDbContext() => _create();

    /// <summary>Opens PostgreSQL's pool minimum before the app takes requests (<see cref="PostgresPool"/>); 0 on SQLite, which opens a file.</summary>
    public Task<int> WarmPoolAsync(CancellationToken cancel) => _dataSource is null ? Task.FromResult(0) : PostgresPool.WarmAsync(_dataSource, cancel);

    /// <summary>Closes the PostgreSQL connection pool (nothing to do for SQLite).</summary>
    public void Dispose() => _dataSource?.Dispose();
}
