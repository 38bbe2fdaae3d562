using System.Collections.Concurrent;
using System.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using SQLitePCL;

namespace LabelAndAlign.Web.Data.Sqlite;

/// <summary>
/// The one writer of a SQLite file in this process (group commit). Write transactions queue here;
/// a dedicated thread takes every one waiting, runs them one after the other inside a single
/// <c>BEGIN IMMEDIATE</c> transaction on its own connection, each in a savepoint of its own, and
/// commits them together: one fsync for the lot instead of one each.
/// <para>
/// Why: SQLite writes one transaction at a time, and with <c>synchronous=FULL</c> a commit's fsync
/// costs more than the statements of a labeling operation; one commit per operation kept the write
/// lock busy most of the time under a crowd of labelers, and they queued behind one another. The
/// writer's own thread also hands the lock on without waiting for the thread pool, which is busiest
/// exactly then.
/// </para>
/// Rules each body keeps: it runs alone (no other body sees its uncommitted writes until it has
/// finished, since they run one after the other); a body that throws rolls back to its savepoint,
/// and only its caller sees the error; no caller hears of success before the commit that holds its
/// writes, and a failed commit fails every body it held. A caller that gives up (cancelled, or the
/// queue ahead took longer than the busy timeout) before its body started is dropped from the queue.
/// </summary>
internal sealed class SqliteWriter
{
    private static readonly ConcurrentDictionary<string, SqliteWriter> Files = new(StringComparer.Ordinal);

    /// <summary>Bounds one commit's worth of work, so the first caller of a long queue is not held behind all of it.</summary>
    private const int MaxBatch = 64;

    [ThreadStatic] private static SqliteWriter? _running;

    private readonly string _connectionString;
    private readonly ConcurrentQueue<Work> _queue = new();
    private int _draining;

    private SqliteWriter(string connectionString) => _connectionString = connectionString;

    /// <summary>The writer of the file <paramref name="db"/> points at.</summary>
    public static SqliteWriter Of(AppDbContext db)
    {
        string connectionString = db.Database.GetConnectionString()
            ?? throw new InvalidOperationException("The context has no connection string; a SQLite write needs the file's name.");
        return Files.GetOrAdd(FileOf(connectionString), _ => new SqliteWriter(connectionString));
    }

    private static string FileOf(string connectionString)
    {
        string source = new SqliteConnectionStringBuilder(connectionString).DataSource;
        return source is "" or ":memory:" || source.StartsWith("file:", StringComparison.Ordinal) ? connectionString : Path.GetFullPath(source);
    }

    /// <summary>How many transactions this process committed to the file (each holding one or more bodies).</summary>
    public long Commits => Interlocked.Read(ref _commits);
    private long _commits;

    /// <summary>Whether every write handed in has been taken up (is running or done).</summary>
    public bool IsIdleQueue() => _queue.IsEmpty;

    public async Task<T> RunAsync<T>(AppDbContext db, Func<CancellationToken, Task<T>> body, CancellationToken cancel)
    {
        if (_running is not null)
            throw new InvalidOperationException("A write transaction cannot start another one inside itself; do the work in the transaction already open.");
        cancel.ThrowIfCancellationRequested();
        if (db.Database.GetDbConnection().State != ConnectionState.Closed)
            throw new InvalidOperationException("A write transaction runs on the writer's connection; start it before the context opens a connection of its own.");
        var work = new Work<T>(db, body, cancel);
        _queue.Enqueue(work);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
            new Thread(Drain) { IsBackground = true, Name = "SQLite writer" }.Start();
        try
        {
            return await work.Result.Task.WaitAsync(SqlitePragmas.BusyTimeout, cancel);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException && work.Abandon())
        {
            // Dropped before it started: nothing of it reached the database.
            if (e is TimeoutException)
                throw new DatabaseBusyException($"The database is busy: other writes held it for {SqlitePragmas.BusyTimeout.TotalSeconds:0} s. Nothing was stored; send the request again in {DatabaseBusyException.RetryAfter.TotalSeconds:0} s.");
            throw;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Already running (the body sees the cancellation itself): its outcome is the answer.
            return await work.Result.Task;
        }
    }

    private void Drain()
    {
        _running = this;
        SqliteConnection? connection = null;
        try
        {
            while (true)
            {
                if (_queue.IsEmpty)
                {
                    Volatile.Write(ref _draining, 0);
                    // A caller that queued after the check above saw _draining = 1 and started no thread.
                    if (_queue.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0) return;
                }
                if (connection is null)
                {
                    connection = new SqliteConnection(_connectionString);
                    connection.Open();
                    SqlitePragmas.Apply(connection);
                }
                RunBatch(connection);
            }
        }
        catch (Exception e)
        {
            // Opening the file failed: every caller waiting hears why; the next caller starts afresh.
            while (_queue.TryDequeue(out var work)) if (work.Start()) work.Fail(e);
            Volatile.Write(ref _draining, 0);
        }
        finally
        {
            connection?.Dispose();
            _running = null;
        }
    }

    private void RunBatch(SqliteConnection connection)
    {
        var batch = new List<Work>();
        while (batch.Count < MaxBatch && _queue.TryDequeue(out var work))
            if (work.Start()) batch.Add(work);
        if (batch.Count == 0) return;
        try
        {
            RunBatch(connection, batch);
        }
        catch (Exception e)
        {
            // A savepoint the connection refused: no body of the batch is stored (the transaction rolls back on dispose).
            foreach (var work in batch) work.Fail(e);
        }
    }

    private void RunBatch(SqliteConnection connection, List<Work> batch)
    {

        SqliteTransaction transaction;
        try
        {
            transaction = connection.BeginTransaction(); // BEGIN IMMEDIATE: waits out another process's write (busy timeout)
        }
        catch (Exception e)
        {
            // Another process (a backup, a second app on the file) held the write lock past the busy timeout: nothing of these ran.
            var failure = e is SqliteException { SqliteErrorCode: raw.SQLITE_BUSY or raw.SQLITE_LOCKED }
                ? new DatabaseBusyException($"The database is busy: another process held the SQLite file's write lock for {SqlitePragmas.BusyTimeout.TotalSeconds:0} s. Nothing was stored; send the request again in {DatabaseBusyException.RetryAfter.TotalSeconds:0} s.", e)
                : e;
            foreach (var work in batch) work.Fail(failure);
            return;
        }
        var done = new List<Work>(batch.Count);
        using (transaction)
        {
            for (int i = 0; i < batch.Count; i++)
            {
                var work = batch[i];
                transaction.Save("body");
                try
                {
                    work.Run(connection, transaction, _connectionString);
                    transaction.Release("body");
                    done.Add(work);
                }
                catch (Exception e)
                {
                    work.Fail(e);
                    try
                    {
                        transaction.Rollback("body");
                        transaction.Release("body");
                    }
                    catch (SqliteException broken)
                    {
                        // SQLite already rolled the whole transaction back (an I/O error, a full disk): nothing of this batch is stored.
                        foreach (var w in done.Concat(batch.Skip(i + 1))) w.Fail(broken);
                        return;
                    }
                }
            }
            try
            {
                transaction.Commit();
                Interlocked.Increment(ref _commits);
            }
            catch (Exception e)
            {
                foreach (var work in done) work.Fail(e);
                return;
            }
        }
        foreach (var work in done) work.Succeed();
    }

    private abstract class Work(AppDbContext db, CancellationToken cancel)
    {
        private const int Queued = 0, Started = 1, Abandoned = 2;
        private int _state;
        private readonly ExecutionContext? _context = ExecutionContext.Capture();

        protected AppDbContext Db { get; } = db;
        protected CancellationToken Cancel { get; } = cancel;

        /// <summary>Claims the work for the writer; false when its caller already gave up on it.</summary>
        public bool Start() => Interlocked.CompareExchange(ref _state, Started, Queued) == Queued;

        /// <summary>Gives up on the work if it has not started; false when it has (the caller must wait for it).</summary>
        public bool Abandon() => Interlocked.CompareExchange(ref _state, Abandoned, Queued) == Queued;

        /// <summary>Runs the body on the writer's connection, inside its transaction, with the caller's execution context (culture, logging scopes).</summary>
        public void Run(SqliteConnection connection, SqliteTransaction transaction, string connectionString)
        {
            var database = Db.Database;
            database.SetDbConnection(connection, contextOwnsConnection: false);
            try
            {
                database.UseTransaction(transaction);
                // The body commits or rolls back whole (its savepoint is the writer's): SaveChanges needs none of its own.
                database.AutoSavepointsEnabled = false;
                try
                {
                    Cancel.ThrowIfCancellationRequested();
                    if (_context is null) Body();
                    else ExecutionContext.Run(_context, static self => ((Work)self!).Body(), this);
                }
                finally
                {
                    // Not owned by the context: disposing EF's handle leaves the SQLite transaction open for the next body.
                    database.CurrentTransaction?.Dispose();
                }
            }
            finally
            {
                // The context gets a connection of its own back, so whatever its caller runs next never touches the writer's.
                database.SetDbConnection(null, contextOwnsConnection: false);
                database.SetConnectionString(connectionString);
            }
        }

        protected abstract void Body();

        public abstract void Succeed();

        public abstract void Fail(Exception e);
    }

    private sealed class Work<T>(AppDbContext db, Func<CancellationToken, Task<T>> body, CancellationToken cancel) : Work(db, cancel)
    {
        private T _value = default!;

        public TaskCompletionSource<T> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // SQLite's async calls complete synchronously, so the body runs through on this thread; anything
        // truly asynchronous inside it is waited for, which holds the write lock just as an await would.
        protected override void Body() => _value = body(Cancel).GetAwaiter().GetResult();

        public override void Succeed() => Result.TrySetResult(_value);

        public override void Fail(Exception e)
        {
            if (e is OperationCanceledException && Cancel.IsCancellationRequested) Result.TrySetCanceled(Cancel);
            else Result.TrySetException(e);
        }
    }
}
