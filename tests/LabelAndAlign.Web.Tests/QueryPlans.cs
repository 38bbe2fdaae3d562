using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using LabelAndAlign.Web.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// Records the SQL that contexts from <see cref="Factory"/> run and asks SQLite how it would run
/// each statement (<c>EXPLAIN QUERY PLAN</c>), so a test can show that a hot path seeks its rows
/// through indexes instead of reading a table or a whole project's rows.
/// </summary>
public sealed partial class QueryPlans : ILoggerProvider, ILogger
{
    private readonly TestDatabase _db;
    private readonly ConcurrentQueue<string> _commands = new();

    public QueryPlans(TestDatabase db)
    {
        _db = db;
        Factory = new AppDbContextFactory(db.Settings, new LoggerFactory([this]));
    }

    public IDbContextFactory<AppDbContext> Factory { get; }

    /// <summary>
    /// Each recorded statement with the plan steps that read more than the rows it asks for: a
    /// <c>SCAN</c> of a table or index (not <c>SCAN CONSTANT ROW</c>, the one row of a bare
    /// <c>SELECT EXISTS (…)</c>), or a sort (<c>TEMP B-TREE</c>) after seeking only by
    /// equality, which means every row under that key prefix was read to find the first few. A
    /// sort after a range seek (<c>LeasedUntil &lt; ?</c>) sorts only the rows in the range.
    /// </summary>
    public List<string> WholeReads()
    {
        var found = new List<string>();
        using var connection = new SqliteConnection(_db.ConnectionString);
        connection.Open();
        foreach (var sql in _commands.Distinct())
        {
            using var explain = connection.CreateCommand();
            explain.CommandText = "EXPLAIN QUERY PLAN " + sql;
            foreach (var name in Parameter().Matches(sql).Select(m => m.Value).Distinct())
                explain.Parameters.AddWithValue(name, DBNull.Value);
            var steps = new List<string>();
            using (var reader = explain.ExecuteReader())
                while (reader.Read()) steps.Add(reader.GetString(3));
            bool rangeSeek = steps.Any(s => s.StartsWith("SEARCH", StringComparison.Ordinal) && (s.Contains('<') || s.Contains('>')));
            foreach (var step in steps)
                if ((step.StartsWith("SCAN", StringComparison.Ordinal) && step != "SCAN CONSTANT ROW") || (step.Contains("TEMP B-TREE", StringComparison.Ordinal) && !rangeSeek))
                    found.Add($"{step}  ←  {sql.ReplaceLineEndings(" ")}");
        }
        return found;
    }

    /// <summary>How many statements were recorded (a test checks it saw the path it meant to).</summary>
    public int Count => _commands.Count;

    [GeneratedRegex(@"@\w+")]
    private static partial Regex Parameter();

    ILogger ILoggerProvider.CreateLogger(string categoryName) => this;

    void IDisposable.Dispose() { }

    IDisposable? ILogger.BeginScope<TState>(TState state) => null;

    bool ILogger.IsEnabled(LogLevel logLevel) => true;

    void ILogger.Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id != RelationalEventId.CommandExecuted.Id || state is not IReadOnlyList<KeyValuePair<string, object?>> values) return;
        if (values.FirstOrDefault(v => v.Key == "commandText").Value is string sql) _commands.Enqueue(sql);
    }
}
