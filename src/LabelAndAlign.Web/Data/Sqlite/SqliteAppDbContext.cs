using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LabelAndAlign.Web.Data.Sqlite;

/// <summary>The model on SQLite; its migrations are under <c>Data/Migrations/Sqlite</c>.</summary>
public sealed class SqliteAppDbContext(DbContextOptions<SqliteAppDbContext> options) : AppDbContext(options)
{
    public override DatabaseDialect Dialect => SqliteDialect.Instance;

    /// <summary>Search: like(pattern, text, escape) is SQLite's LIKE … ESCAPE, which ignores the case of ASCII letters.</summary>
    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);
        TextSearch.MapOn(b, "like", "INTEGER", (text, pattern) =>
            [pattern, text, new SqlConstantExpression(TextSearch.Escape, pattern.TypeMapping)]);
    }

    /// <summary>
    /// SQLite keeps times as text without a zone: every time we write is UTC, so read them back as
    /// UTC (as PostgreSQL's timestamptz does), and the API shows the same times on both providers.
    /// </summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : v,
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
