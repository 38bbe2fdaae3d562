using LabelAndAlign.Web.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LabelAndAlign.Web.Data;

/// <summary>
/// Contexts for <c>dotnet ef migrations add</c>, one per provider (no database is opened):
/// <code>dotnet ef migrations add Name --project src/LabelAndAlign.Web --context SqliteAppDbContext --output-dir Data/Migrations/Sqlite</code>
/// </summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAppDbContext>
{
    public SqliteAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
