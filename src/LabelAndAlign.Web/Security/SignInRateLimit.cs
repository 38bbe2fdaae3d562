using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace LabelAndAlign.Web.Security;

/// <summary>
/// Limits form posts to the sign-in, setup and invite pages per client address (ASP.NET's rate
/// limiter), on top of the per-account lockout in <c>AccountService</c>: one address cannot
/// spray passwords across many accounts. Other requests are not limited.
/// </summary>
public static class SignInRateLimit
{
    public const int PermitsPerMinute = 30;

    private static readonly string[] GuardedPaths = ["/login", "/setup", "/invite"];

    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services) => services.AddRateLimiter(o =>
    {
        o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        o.OnRejected = async (ctx, cancel) =>
        {
            ctx.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
            await ctx.HttpContext.Response.WriteAsync("Too many sign-in attempts from this address. Wait a minute and try again.", cancel);
        };
        o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(ctx =>
        {
            bool guarded = HttpMethods.IsPost(ctx.Request.Method) &&
                GuardedPaths.Any(p => ctx.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase));
            if (!guarded) return RateLimitPartition.GetNoLimiter("unguarded");
            string client = ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            return RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = PermitsPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
        });
    });
}
