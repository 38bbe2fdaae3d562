using LabelAndAlign.Web.Data.Postgres;
using LabelAndAlign.Web.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LabelAndAlign.Web.Data;

/// <summary>
/// Contexts for <c>dotnet ef migrations add</c>, one per provider (no database is opened):
/// <code>dotnet ef migrations add Name --project src/LabelAndAlign.Web --context SqliteAppDbContext --output-dir Data/Migrations/Sqlite</code>
/// <code>dotnet ef migrations add Name --project src/LabelAndAlign.Web --context PostgresAppDbContext --output-dir Data/Migrations/Postgres</code>
/// </summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAppDbContext>
{
    public SqliteAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresAppDbContext>
{
    public PostgresAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql("Host=design-time").Options);
}
