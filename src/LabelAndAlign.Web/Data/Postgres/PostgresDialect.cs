using System.Data;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace LabelAndAlign.Web.Data.Postgres;

/// <summary>
/// PostgreSQL: many writers at once. A write transaction runs at READ COMMITTED and takes its
/// <see cref="WriteLock"/> as a transaction-scoped advisory lock (the two-key form, a key space
/// of its own); rows that must not change under it are locked with <c>FOR UPDATE</c> (see
/// <see cref="RowLockInterceptor"/>), and a transaction that lost a deadlock or a serialization
/// race is run again. Bulk inserts are a binary <c>COPY</c>; the metric scan is one ordered index
/// range read in the binary protocol.
/// </summary>
public sealed class PostgresDialect : DatabaseDialect
{
    public static readonly PostgresDialect Instance = new();

    /// <summary>Attempts of a transaction that keeps losing deadlocks before the error is passed on.</summary>
    private const int MaxAttempts = 5;

    private PostgresDialect() { }

    public override bool LocksRows => true;

    public override async Task<T> InTransactionAsync<T>(AppDbContext db, WriteLock? writeLock, Func<CancellationToken, Task<T>> body, CancellationToken cancel)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await using var tx = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancel);
                if (writeLock is { } l) await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({l.Scope}, {l.Key})", cancel);
                var result = await body(cancel);
                await tx.CommitAsync(cancel);
                return result;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < MaxAttempts)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <remarks>
    /// A session-level advisory lock on the context's connection, kept open meanwhile. EF Core's own migration lock
    /// is taken per migration, so two instances that both read the same pending list could each apply one.
    /// </remarks>
    public override async Task<T> WhileHoldingAsync<T>(AppDbContext db, WriteLock writeLock, Func<Task<T>> body, CancellationToken cancel)
    {
        T result = default!;
        await OnConnectionAsync<NpgsqlConnection>(db, async _ =>
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({writeLock.Scope}, {writeLock.Key})", cancel);
            try
            {
                result = await body();
            }
            finally
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({writeLock.Scope}, {writeLock.Key})", CancellationToken.None);
            }
        }, cancel);
        return result;
    }

    public override async Task BulkInsertAsync<T>(AppDbContext db, IReadOnlyCollection<T> rows, CancellationToken cancel)
    {
        var table = BulkTable.Of<T>(db);
        await OnConnectionAsync<NpgsqlConnection>(db, async connection =>
        {
            await using var copy = await connection.BeginBinaryImportAsync(
                $"COPY \"{table.Name}\" ({string.Join(", ", table.Columns.Select(c => $"\"{c.Name}\""))}) FROM STDIN (FORMAT BINARY)", cancel);
            foreach (var row in rows)
            {
                await copy.StartRowAsync(cancel);
                foreach (var column in table.Columns)
                {
                    if (column.Read(row) is { } value) await copy.WriteAsync(value, column.StoreType, cancel);
                    else await copy.WriteNullAsync(cancel);
                }
            }
            await copy.CompleteAsync(cancel);
        }, cancel);
    }

    /// <summary>
    /// Each bucket reduced where the points are, in one pass of the (RunId, Name, Step) index: the
    /// lowest value with its earliest step (arrays compare element by element), the highest value
    /// with its earliest step (the step negated), and the last step. Some hundred rows come back
    /// instead of a million, exactly the points <see cref="MetricDownsampler.Add"/> would keep.
    /// </summary>
    public override async Task DownsampleMetricAsync(AppDbContext db, int runId, string name, int fromStep, int toStep, MetricDownsampler sampler, CancellationToken cancel)
    {
        await OnConnectionAsync<NpgsqlConnection>(db, async connection =>
        {
            await using var cmd = new NpgsqlCommand("""
                SELECT min(ARRAY["Value", "Step"::float8, "Time"]),
                       max(ARRAY["Value", -"Step"::float8, "Time"]),
                       max(ARRAY["Step"::float8, "Value", "Time"])
                FROM metric_points
                WHERE "RunId" = $1 AND "Name" = $2 AND "Step" BETWEEN $3 AND $4
                GROUP BY ("Step"::bigint - $5) / $6
                ORDER BY ("Step"::bigint - $5) / $6
                """, connection)
            {
                Parameters =
                {
                    new() { Value = runId, NpgsqlDbType = NpgsqlDbType.Integer },
                    new() { Value = name, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = fromStep, NpgsqlDbType = NpgsqlDbType.Integer },
                    new() { Value = toStep, NpgsqlDbType = NpgsqlDbType.Integer },
                    new() { Value = (long)sampler.FirstStep, NpgsqlDbType = NpgsqlDbType.Bigint },
                    new() { Value = sampler.BucketWidth, NpgsqlDbType = NpgsqlDbType.Bigint },
                },
            };
            await using var reader = await cmd.ExecuteReaderAsync(cancel);
            while (await reader.ReadAsync(cancel))
            {
                var lo = reader.GetFieldValue<double[]>(0);
                var hi = reader.GetFieldValue<double[]>(1);
                var last = reader.GetFieldValue<double[]>(2);
                sampler.AddBucket(new PointDto((int)lo[1], lo[0], lo[2]), new PointDto((int)-hi[1], hi[0], hi[2]), new PointDto((int)last[0], last[1], last[2]));
            }
        }, CancellationToken.None);
    }

    public override async Task ScanMetricAsync(AppDbContext db, int runId, string name, int fromStep, int toStep, Action<PointDto> add, CancellationToken cancel)
    {
        await OnConnectionAsync<NpgsqlConnection>(db, async connection =>
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT \"Step\", \"Value\", \"Time\" FROM metric_points WHERE \"RunId\" = $1 AND \"Name\" = $2 AND \"Step\" BETWEEN $3 AND $4 ORDER BY \"Step\"", connection)
            {
                Parameters =
                {
                    new() { Value = runId, NpgsqlDbType = NpgsqlDbType.Integer },
                    new() { Value = name, NpgsqlDbType = NpgsqlDbType.Text },
                    new() { Value = fromStep, NpgsqlDbType = NpgsqlDbType.Integer },
                    new() { Value = toStep, NpgsqlDbType = NpgsqlDbType.Integer },
                },
            };
            await using var reader = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancel);
            while (await reader.ReadAsync(cancel))
                add(new PointDto(reader.GetInt32(0), reader.GetDouble(1), reader.GetDouble(2)));
        }, CancellationToken.None);
    }
}
