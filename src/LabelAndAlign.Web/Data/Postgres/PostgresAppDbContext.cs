using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Data.Postgres;

/// <summary>The model on PostgreSQL (times are <c>timestamp with time zone</c>, always UTC); its migrations are under <c>Data/Migrations/Postgres</c>.</summary>
public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options)
{
    public override DatabaseDialect Dialect => PostgresDialect.Instance;

    /// <summary>Search: texticlike(text, pattern) is ILIKE, whose escape character is a backslash unless told otherwise.</summary>
    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);
        TextSearch.MapOn(b, "texticlike", "boolean", (text, pattern) => [text, pattern]);
    }
}
