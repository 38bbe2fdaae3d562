using System.Data.Common;
using LabelAndAlign.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// Raw SQL over the context's connection, inside one transaction. Microsoft.Data.Sqlite begins
/// transactions with <c>BEGIN IMMEDIATE</c>, so a session holds SQLite's write lock from its first
/// statement: two labelers racing for an item's last slot run one after the other (the other
/// waits out the busy timeout), and each sees the other's committed counters.
/// </summary>
public sealed class Sql : IAsyncDisposable
{
    private readonly AppDbContext _db;
    private readonly IDbContextTransaction? _tx;

    private Sql(AppDbContext db, IDbContextTransaction? tx)
    {
        _db = db;
        _tx = tx;
    }

    public static async Task<Sql> BeginAsync(AppDbContext db, CancellationToken cancel)
    {
        await db.Database.OpenConnectionAsync(cancel);
        var tx = await db.Database.BeginTransactionAsync(cancel);
        return new Sql(db, tx);
    }

    /// <summary>Reads without a transaction (and without SQLite's write lock), e.g. for long exports.</summary>
    public static async Task<Sql> OpenReadAsync(AppDbContext db, CancellationToken cancel)
    {
        await db.Database.OpenConnectionAsync(cancel);
        return new Sql(db, null);
    }

    public SqliteCommand Command(string text, params (string Name, object? Value)[] args)
    {
        var cmd = (SqliteCommand)_db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = (SqliteTransaction?)_tx?.GetDbTransaction();
        cmd.CommandText = text;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    public async Task<int> ExecuteAsync(string text, CancellationToken cancel, params (string, object?)[] args)
    {
        await using var cmd = Command(text, args);
        return await cmd.ExecuteNonQueryAsync(cancel);
    }

    public async Task<object?> ScalarAsync(string text, CancellationToken cancel, params (string, object?)[] args)
    {
        await using var cmd = Command(text, args);
        var value = await cmd.ExecuteScalarAsync(cancel);
        return value is DBNull ? null : value;
    }

    public async Task<List<T>> QueryAsync<T>(string text, Func<DbDataReader, T> map, CancellationToken cancel, params (string, object?)[] args)
    {
        await using var cmd = Command(text, args);
        await using var reader = await cmd.ExecuteReaderAsync(cancel);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancel)) rows.Add(map(reader));
        return rows;
    }

    public Task CommitAsync(CancellationToken cancel) => _tx?.CommitAsync(cancel) ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_tx is not null) await _tx.DisposeAsync();
        await _db.Database.CloseConnectionAsync();
    }
}
