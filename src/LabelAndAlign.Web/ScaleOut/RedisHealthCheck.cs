using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace LabelAndAlign.Web.ScaleOut;

/// <summary><c>/healthz</c> is healthy only when Redis answers too (when it is configured): without it this instance is cut off from the others.</summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy("redis answers");
        }
        catch (RedisException e)
        {
            return HealthCheckResult.Unhealthy("redis does not answer", e);
        }
    }
}
