using LabelAndAlign.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LabelAndAlign.Web.Services;

/// <summary><c>/healthz</c> is healthy when the database answers a query.</summary>
public sealed class DatabaseHealthCheck(IDbContextFactory<AppDbContext> dbs) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await dbs.CreateDbContextAsync(cancellationToken);
            await db.Database.ExecuteSqlAsync($"SELECT 1", cancellationToken);
            return HealthCheckResult.Healthy("database answers");
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("database does not answer", e);
        }
    }
}
