using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Sqlite;
using LabelAndAlign.Web.Services;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Tests;

[Trait("Database", "sqlite")]
public class SqliteWriterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static AuditEvent Row(string action) => new() { Action = action, At = DateTime.UtcNow };

    /// <summary>Starts a write whose body holds the writer until <paramref name="release"/> completes.</summary>
    private static (AppDbContext Db, Task Done) Blocker(TestDatabase database, Task release)
    {
        var db = database.CreateContext();
        var done = db.InTransactionAsync(null, async c =>
        {
            db.AuditEvents.Add(Row("first"));
            await db.SaveChangesAsync(c);
            await release;
        }, CancellationToken.None);
        return (db, done);
    }

    /// <summary>Waits until the writer is inside the blocker's body (its row written, not committed).</summary>
    private static async Task UntilRunningAsync(Task blocker, SqliteWriter writer, long commitsBefore)
    {
        // The blocker cannot commit before it is released, so its start shows as a queue that stays empty.
        var deadline = DateTime.UtcNow + Patience;
        while (!writer.IsIdleQueue() && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.False(blocker.IsCompleted);
        Assert.Equal(commitsBefore, writer.Commits);
    }

    [Fact]
    public async Task WritesQueuedWhileOneRuns_AreCommittedTogether_InOneCommit()
    {
        using var database = new TestDatabase();
        var release = new TaskCompletionSource();
        var (first, blocker) = Blocker(database, release.Task);
        var writer = SqliteWriter.Of(first);
        long before = writer.Commits;
        await UntilRunningAsync(blocker, writer, before);

        var contexts = Enumerable.Range(0, 5).Select(_ => database.CreateContext()).ToList();
        var queued = contexts.Select((db, i) => db.InTransactionAsync(null, async c =>
        {
            db.AuditEvents.Add(Row($"queued {i}"));
            await db.SaveChangesAsync(c);
            return i;
        }, CancellationToken.None)).ToList();
        release.SetResult();
        await blocker.WaitAsync(Patience);
        int[] results = await Task.WhenAll(queued).WaitAsync(Patience);
        Assert.Equal([0, 1, 2, 3, 4], results);

        Assert.Equal(before + 2, writer.Commits); // the blocker's, then one for all five
        await using var check = database.CreateContext();
        Assert.Equal(6, await check.AuditEvents.CountAsync());
        foreach (var db in contexts.Append(first)) await db.DisposeAsync();
    }

    [Fact]
    public async Task ABodyThatThrows_RollsBackOnlyItsOwnWrites_AndOnlyItsCallerSeesTheError()
    {
        using var database = new TestDatabase();
        var release = new TaskCompletionSource();
        var (first, blocker) = Blocker(database, release.Task);
        var writer = SqliteWriter.Of(first);
        await UntilRunningAsync(blocker, writer, writer.Commits);

        await using var failing = database.CreateContext();
        await using var after = database.CreateContext();
        var failed = failing.InTransactionAsync(null, async c =>
        {
            failing.AuditEvents.Add(Row("failing"));
            await failing.SaveChangesAsync(c);
            throw new InputException("choice", "refused on purpose");
        }, CancellationToken.None);
        var stored = after.InTransactionAsync(null, async c =>
        {
            // Runs after the failed body in the same transaction: its row must already be gone.
            int failingRows = await after.AuditEvents.CountAsync(e => e.Action == "failing", c);
            after.AuditEvents.Add(Row("after"));
            await after.SaveChangesAsync(c);
            return failingRows;
        }, CancellationToken.None);
        release.SetResult();

        var error = await Assert.ThrowsAsync<InputException>(() => failed.WaitAsync(Patience));
        Assert.Equal("refused on purpose", error.Message);
        Assert.Equal(0, await stored.WaitAsync(Patience));
        await blocker.WaitAsync(Patience);
        await using var check = database.CreateContext();
        var actions = await check.AuditEvents.OrderBy(e => e.Action).Select(e => e.Action).ToListAsync();
        Assert.Equal(["after", "first"], actions);
        // The failed caller's context still works, on a connection of its own.
        Assert.Equal(2, await failing.AuditEvents.CountAsync());
        await first.DisposeAsync();
    }

    [Fact]
    public async Task ACallerCancelledWhileQueued_IsDropped_ItsBodyNeverRuns()
    {
        using var database = new TestDatabase();
        var release = new TaskCompletionSource();
        var (first, blocker) = Blocker(database, release.Task);
        var writer = SqliteWriter.Of(first);
        await UntilRunningAsync(blocker, writer, writer.Commits);

        await using var db = database.CreateContext();
        using var cancel = new CancellationTokenSource();
        bool ran = false;
        var queued = db.InTransactionAsync(null, c =>
        {
            ran = true;
            return Task.CompletedTask;
        }, cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(Patience));
        release.SetResult();
        await blocker.WaitAsync(Patience);
        // A write queued after it still runs: the dropped one left nothing behind.
        Assert.Equal(7, await db.InTransactionAsync(null, _ => Task.FromResult(7), CancellationToken.None).WaitAsync(Patience));
        Assert.False(ran);
        await first.DisposeAsync();
    }

    [Fact]
    public async Task AWriteInsideAWrite_IsRefused_WithAMessageThatSaysWhy()
    {
        using var database = new TestDatabase();
        await using var db = database.CreateContext();
        await using var other = database.CreateContext();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            db.InTransactionAsync(null, c => other.InTransactionAsync(null, _ => Task.CompletedTask, c), CancellationToken.None).WaitAsync(Patience));
        Assert.Contains("cannot start another one inside itself", error.Message);
    }

    [Fact]
    public async Task AfterItsWrite_AContextReadsAndWritesOnItsOwnConnection()
    {
        using var database = new TestDatabase();
        await using var db = database.CreateContext();
        var writersConnection = await db.InTransactionAsync(null, async c =>
        {
            db.AuditEvents.Add(Row("in"));
            await db.SaveChangesAsync(c);
            return db.Database.GetDbConnection();
        }, CancellationToken.None);

        Assert.NotSame(writersConnection, db.Database.GetDbConnection());
        db.AuditEvents.Add(Row("out"));
        await db.SaveChangesAsync();
        Assert.Equal(2, await db.AuditEvents.CountAsync());
    }
}
