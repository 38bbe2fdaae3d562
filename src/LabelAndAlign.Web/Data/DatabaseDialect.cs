using System.Data.Common;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Data;

/// <summary>
/// A lock a write transaction takes so that writers of the same thing (one labeler in one project)
/// run one after the other; writers of different things run side by side where the engine allows.
/// </summary>
public readonly record struct WriteLock(int Scope, int Key);

/// <summary>The <see cref="WriteLock.Scope"/>s in use, one per kind of thing locked, so keys of different kinds never collide.</summary>
public static class WriteScopes
{
    /// <summary>Key: the labeler's user id. Their queue operations (next, label, skip, undo) run one at a time.</summary>
    public const int Labeler = 1;

    /// <summary>
    /// <see cref="SchemaMigrator"/>, one instance at a time. Key 0: a schema change applied in code (in its transaction);
    /// key 1: the whole upgrade of an instance that starts (across its migrations).
    /// </summary>
    public const int Schema = 2;

    /// <summary>Key 0: changes to who is an active admin (role, disabled), one at a time, so two admins cannot demote each other and leave none.</summary>
    public const int Admins = 3;
}

/// <summary>
/// The few things SQLite and PostgreSQL do their own way, below EF Core's LINQ: how a write
/// transaction serializes, how many rows go in at once, and how a million metric points come
/// out. Reached through <see cref="AppDbContext.Dialect"/> (see <see cref="DatabaseDialectExtensions"/>).
/// </summary>
public abstract class DatabaseDialect
{
    /// <summary>
    /// Runs <paramref name="body"/> in a transaction and commits it. Concurrent bodies holding the
    /// same <paramref name="writeLock"/> never interleave; a body that lost a deadlock or a
    /// serialization race is run again from the start (after the context forgets what it tracked),
    /// so it must keep its effects inside the transaction until it returns.
    /// </summary>
    public abstract Task<T> InTransactionAsync<T>(AppDbContext db, WriteLock? writeLock, Func<CancellationToken, Task<T>> body, CancellationToken cancel);

    /// <summary>
    /// Whether transactions lock single rows (<see cref="DatabaseDialectExtensions.ForUpdate{T}"/>), so one may pass
    /// over rows another holds; SQLite's write transactions run one at a time and hold no row locks.
    /// </summary>
    public virtual bool LocksRows => false;

    /// <summary>
    /// Runs <paramref name="body"/> (which may run several transactions) while holding <paramref name="writeLock"/>
    /// across every instance of the app on this database, e.g. the schema upgrade of instances starting together.
    /// SQLite's database is one process's file, and EF Core's migrations lock it themselves, so it just runs.
    /// </summary>
    public virtual Task<T> WhileHoldingAsync<T>(AppDbContext db, WriteLock writeLock, Func<Task<T>> body, CancellationToken cancel) => body();

    /// <summary>Inserts the rows (database-generated keys are not read back) in the context's current transaction, if any.</summary>
    public abstract Task BulkInsertAsync<T>(AppDbContext db, IReadOnlyCollection<T> rows, CancellationToken cancel) where T : class;

    /// <summary>Streams one metric's points between two steps (inclusive) in step order.</summary>
    public abstract Task ScanMetricAsync(AppDbContext db, int runId, string name, int fromStep, int toStep, Action<PointDto> add, CancellationToken cancel);

    /// <summary>
    /// Feeds one metric's points between two steps (inclusive) to <paramref name="sampler"/>, whose
    /// buckets must hold whole: every point by default, or bucket by bucket where the database can
    /// reduce them itself.
    /// </summary>
    public virtual Task DownsampleMetricAsync(AppDbContext db, int runId, string name, int fromStep, int toStep, MetricDownsampler sampler, CancellationToken cancel) =>
        ScanMetricAsync(db, runId, name, fromStep, toStep, sampler.Add, cancel);

    /// <summary>
    /// Runs <paramref name="use"/> on the context's own connection (the statements EF's LINQ does not write), opened for it
    /// and closed after; EF counts opens, so a connection a transaction holds stays open. <paramref name="openCancel"/> cancels the open.
    /// </summary>
    protected static async Task OnConnectionAsync<TConnection>(AppDbContext db, Func<TConnection, Task> use, CancellationToken openCancel)
        where TConnection : DbConnection
    {
        await db.Database.OpenConnectionAsync(openCancel);
        try
        {
            await use((TConnection)db.Database.GetDbConnection());
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}

public static class DatabaseDialectExtensions
{
    /// <inheritdoc cref="DatabaseDialect.InTransactionAsync{T}"/>
    public static Task<T> InTransactionAsync<T>(this AppDbContext db, WriteLock? writeLock, Func<CancellationToken, Task<T>> body, CancellationToken cancel) =>
        db.Dialect.InTransactionAsync(db, writeLock, body, cancel);

    /// <inheritdoc cref="DatabaseDialect.InTransactionAsync{T}"/>
    public static Task InTransactionAsync(this AppDbContext db, WriteLock? writeLock, Func<CancellationToken, Task> body, CancellationToken cancel) =>
        db.Dialect.InTransactionAsync(db, writeLock, async c => { await body(c); return true; }, cancel);

    /// <inheritdoc cref="DatabaseDialect.BulkInsertAsync{T}"/>
    public static Task BulkInsertAsync<T>(this AppDbContext db, IReadOnlyCollection<T> rows, CancellationToken cancel) where T : class =>
        rows.Count == 0 ? Task.CompletedTask : db.Dialect.BulkInsertAsync(db, rows, cancel);

    /// <summary>Marks a query whose rows the transaction locks for update (PostgreSQL); SQLite's write transactions are already serial.</summary>
    public static IQueryable<T> ForUpdate<T>(this IQueryable<T> query) => query.TagWith(RowLocks.ForUpdate);

    /// <summary>Like <see cref="ForUpdate{T}"/>, but rows another transaction holds are passed over instead of waited for.</summary>
    public static IQueryable<T> ForUpdateSkipLocked<T>(this IQueryable<T> query) => query.TagWith(RowLocks.ForUpdateSkipLocked);
}

/// <summary>The query tags <see cref="DatabaseDialectExtensions.ForUpdate{T}"/> sets; PostgreSQL's command interceptor turns them into locking clauses.</summary>
public static class RowLocks
{
    public const string ForUpdate = "lna:for-update";
    public const string ForUpdateSkipLocked = "lna:for-update-skip-locked";
}
