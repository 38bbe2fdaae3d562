using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LabelAndAlign.Web.Data.Postgres;

/// <summary>
/// Turns the query tags of <see cref="DatabaseDialectExtensions.ForUpdate{T}"/> and
/// <see cref="DatabaseDialectExtensions.ForUpdateSkipLocked{T}"/> into PostgreSQL's locking
/// clause at the end of the statement (after its LIMIT), which LINQ cannot express. EF Core
/// writes tags as leading comments, so the check is on the first line only.
/// </summary>
public sealed class RowLockInterceptor : DbCommandInterceptor
{
    public static readonly RowLockInterceptor Instance = new();

    private RowLockInterceptor() { }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        AddLockingClause(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        AddLockingClause(command);
        return ValueTask.FromResult(result);
    }

    private static void AddLockingClause(DbCommand command)
    {
        string text = command.CommandText;
        if (!text.StartsWith("-- lna:", StringComparison.Ordinal)) return;
        string clause = text.StartsWith($"-- {RowLocks.ForUpdateSkipLocked}", StringComparison.Ordinal) ? " FOR UPDATE SKIP LOCKED"
            : text.StartsWith($"-- {RowLocks.ForUpdate}", StringComparison.Ordinal) ? " FOR UPDATE"
            : throw new InvalidOperationException($"Unknown row-lock tag in: {text[..Math.Min(text.Length, 80)]}");
        command.CommandText = text.TrimEnd().TrimEnd(';') + clause;
    }
}
