using System.Data.Common;
using LabelAndAlign.Web.Data.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LabelAndAlign.Web.Data;

/// <summary>
/// Brings the database to the newest schema before the app takes requests, with the EF Core
/// migrations of the configured provider (<c>Data/Migrations/Sqlite</c>, <c>Data/Migrations/Postgres</c>),
/// one at a time so a failure names the migration (each is rolled back whole). Instances starting
/// together upgrade once: the first holds a lock across all pending migrations (<see cref="DatabaseDialect.WhileHoldingAsync{T}"/>). On SQLite it turns on
/// WAL, keeps a copy of a database that already holds data before upgrading it (<c>VACUUM INTO</c>),
/// and adopts databases made by releases that applied numbered SQL scripts (see <see cref="AdoptScriptedSchemaAsync"/>).
/// A database that has migrations this build does not know is refused rather than damaged.
/// </summary>
public sealed class SchemaMigrator(IDbContextFactory<AppDbContext> dbs, DatabaseSettings settings, ILogger<SchemaMigrator> logger)
{
    /// <summary>
    /// Versions of the numbered SQL scripts the first migrations reproduce exactly: script version
    /// → how many migrations (version 5 is release 5ef0515; 6, 7 and 9 came after it, before migrations:
    /// 7 is RunAttempts plus TrlRunKeys' translation of stored run configs, which its own code did; 8 and
    /// 9 landed together and are Workers; 10 is UploadedCheckpoints).
    /// </summary>
    private static readonly Dictionary<int, int> ScriptVersions = new() { [5] = 1, [6] = 2, [7] = 4, [9] = 5, [10] = 6 };

    /// <summary>
    /// Migrations whose rows need more than SQL, by name (the id without its timestamp): their step
    /// in code, applied here in one transaction with the migration's history row (their <c>Up</c> is
    /// empty), so a crash never leaves one half done or done twice.
    /// </summary>
    private static readonly Dictionary<string, Func<AppDbContext, CancellationToken, Task>> DataSteps = new(StringComparer.Ordinal)
    {
        ["TrlRunKeys"] = Migrations.RunConfigUpgrade.ApplyAsync,
    };

    /// <summary>
    /// Recorded in the old <c>schema_migrations</c> table once a database has moved to EF Core
    /// migrations, so an old release refuses it ("newer than this build knows") instead of trying
    /// to create tables that exist.
    /// </summary>
    public const int MovedToMigrationsVersion = 1000;

    /// <summary>Applies every pending migration; returns the id of the newest one applied (now or before).</summary>
    public async Task<string> MigrateAsync(CancellationToken cancel = default)
    {
        if (settings.Provider == DatabaseProvider.Sqlite) PrepareSqliteFile();
        await using var db = await dbs.CreateDbContextAsync(cancel);
        if (settings.Provider == DatabaseProvider.Sqlite) await AdoptScriptedSchemaAsync(db, cancel);
        // Instances starting together: one upgrades, the others wait, then find nothing pending.
        return await db.Dialect.WhileHoldingAsync(db, new WriteLock(WriteScopes.Schema, 1), () => UpgradeAsync(db, cancel), cancel);
    }

    private async Task<string> UpgradeAsync(AppDbContext db, CancellationToken cancel)
    {
        await CreateHistoryAsync(db, cancel);
        var known = db.Database.GetMigrations().ToList();
        var applied = (await db.Database.GetAppliedMigrationsAsync(cancel)).ToList();
        var unknown = applied.Except(known).ToList();
        if (unknown.Count > 0)
            throw new InvalidOperationException(
                $"The database has schema migration {unknown[^1]}, newer than this build knows (its newest is {known[^1]}). " +
                "Run a newer version of LabelAndAlign, or restore a backup made by this version.");
        var pending = known.Except(applied).ToList();
        if (pending.Count == 0) return applied[^1];

        if (applied.Count > 0 && settings.Provider == DatabaseProvider.Sqlite) await BackupSqliteAsync(db, pending[0], applied[^1], cancel);
        var migrator = db.GetService<IMigrator>();
        foreach (string migration in pending)
        {
            try
            {
                if (DataSteps.TryGetValue(migration[(migration.IndexOf('_') + 1)..], out var step)) await ApplyDataStepAsync(db, migration, step, cancel);
                else await migrator.MigrateAsync(migration, cancel);
            }
            catch (Exception e) when (e is DbException or InvalidOperationException)
            {
                throw new InvalidOperationException($"Schema migration {migration} failed and was rolled back: {e.Message}", e);
            }
            logger.LogInformation("Applied schema migration {Migration}", migration);
        }
        return pending[^1];
    }

    /// <summary>
    /// A migration whose change is a step in code: the step and the history row in one write
    /// transaction; an instance starting at the same moment that applied it first is left to stand.
    /// </summary>
    private static async Task ApplyDataStepAsync(AppDbContext db, string migration, Func<AppDbContext, CancellationToken, Task> step, CancellationToken cancel)
    {
        var history = db.GetService<IHistoryRepository>();
        await db.InTransactionAsync(new WriteLock(WriteScopes.Schema, 0), async c =>
        {
            if ((await history.GetAppliedMigrationsAsync(c)).Any(m => m.MigrationId == migration)) return;
            await step(db, c);
            await db.Database.ExecuteSqlRawAsync(history.GetInsertScript(new HistoryRow(migration, ProductInfo.GetVersion())), c);
        }, cancel);
    }

    /// <summary>
    /// Creates the (empty) migration history up front: EF Core would otherwise probe a new
    /// database by querying a table that is not there yet, and log each probe as a failure.
    /// </summary>
    private static async Task CreateHistoryAsync(AppDbContext db, CancellationToken cancel)
    {
        var history = db.GetService<IHistoryRepository>();
        try
        {
            await db.Database.ExecuteSqlRawAsync(history.GetCreateIfNotExistsScript(), cancel);
        }
        catch (DbException)
        {
            // Another instance, starting at the same moment, created it first; anything else is a real failure.
            if (!await history.ExistsAsync(cancel)) throw;
        }
    }

    /// <summary>Creates the file's folder and turns on WAL (kept in the file), so readers never wait for the writer.</summary>
    private void PrepareSqliteFile()
    {
        var builder = new SqliteConnectionStringBuilder(settings.ConnectionString);
        if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        }
        using var connection = new SqliteConnection(settings.ConnectionString);
        connection.Open();
        using var wal = connection.CreateCommand();
        wal.CommandText = "PRAGMA journal_mode=WAL;";
        wal.ExecuteNonQuery();
    }

    /// <summary>
    /// Releases up to 5ef0515 kept their schema with numbered SQL scripts recorded in
    /// <c>schema_migrations</c>. The first migrations create exactly the schema of those scripts
    /// (a test holds them equal on a database such a release made), so a database at a script
    /// version they reproduce is marked as having them applied, in one transaction; older ones
    /// must pass through that release first.
    /// </summary>
    private async Task AdoptScriptedSchemaAsync(AppDbContext db, CancellationToken cancel)
    {
        if (!await TableExistsAsync(db, "schema_migrations", cancel) || await TableExistsAsync(db, HistoryRepository.DefaultTableName, cancel)) return;
        int version = await db.Database.SqlQuery<int>($"SELECT COALESCE(MAX(Version), 0) AS \"Value\" FROM schema_migrations").SingleAsync(cancel);
        if (!ScriptVersions.TryGetValue(version, out int count))
            throw new InvalidOperationException(
                $"This database is at schema script version {version}, made by a release older than 5ef0515. Start release 5ef0515 on it once " +
                "(it upgrades it to version 5), then start this version.");
        var adopted = db.Database.GetMigrations().Take(count).ToList();
        var history = db.GetService<IHistoryRepository>();
        await db.InTransactionAsync(null, async c =>
        {
            await db.Database.ExecuteSqlRawAsync(history.GetCreateScript(), c);
            foreach (string migration in adopted)
                await db.Database.ExecuteSqlRawAsync(history.GetInsertScript(new HistoryRow(migration, ProductInfo.GetVersion())), c);
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO schema_migrations (Version, Name, AppliedAt) VALUES ({MovedToMigrationsVersion}, 'moved-to-ef-core-migrations', {DateTime.UtcNow:O})", c);
        }, cancel);
        logger.LogInformation("Adopted a database at schema script version {Version} as migration {Migration}", version, adopted[^1]);
    }

    private static async Task<bool> TableExistsAsync(AppDbContext db, string table, CancellationToken cancel) =>
        await db.Database.SqlQuery<int>($"SELECT COUNT(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = {table}").SingleAsync(cancel) > 0;

    /// <summary>A consistent copy beside the file before its first pending migration, once per migration.</summary>
    private async Task BackupSqliteAsync(AppDbContext db, string next, string current, CancellationToken cancel)
    {
        string? file = new SqliteConnectionStringBuilder(settings.ConnectionString).DataSource;
        if (string.IsNullOrEmpty(file) || !File.Exists(file)) return;
        string backup = $"{Path.GetFullPath(file)}.before-{next}.bak";
        if (File.Exists(backup)) return;
        await db.Database.ExecuteSqlAsync($"VACUUM INTO {backup}", cancel);
        logger.LogInformation("Copied the database to {Backup} before upgrading it from {Migration}", backup, current);
    }
}
