using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using LabelAndAlign.Web.ScaleOut;
using RedisRateLimiting;

namespace LabelAndAlign.Web.Security;

/// <summary>
/// Limits form posts to the sign-in, setup and invite pages per client address (ASP.NET's rate
/// limiter), on top of the per-address lockout in <see cref="Services.SignInThrottle"/>: one
/// client cannot spray passwords across many accounts. The pages opt in with
/// <c>[EnableRateLimiting(SignInRateLimit.Policy)]</c>, so the limit follows the endpoint that
/// answers, however its path is spelled (<c>/Login/</c>, <c>/login/.</c>). With Redis configured
/// the count is kept there, shared by every instance.
/// </summary>
public static class SignInRateLimit
{
    public const string Policy = "sign-in";
    public const int PermitsPerMinute = 30;

    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services) => services.AddRateLimiter(o =>
    {
        o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        o.OnRejected = async (ctx, cancel) =>
        {
            ctx.HttpContext.Response.ContentType = "text/plain; charset=utf-8";
            await ctx.HttpContext.Response.WriteAsync("Too many sign-in attempts from this address. Wait a minute and try again.", cancel);
        };
        o.AddPolicy(Policy, ctx =>
        {
            // Opening the page is free; each form post counts.
            if (!HttpMethods.IsPost(ctx.Request.Method)) return RateLimitPartition.GetNoLimiter("page");
            string client = ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            // Several instances count together in Redis (see ScaleOut): one address gets 30 posts a minute in all.
            if (ctx.RequestServices.GetService<SharedRedis>() is { } redis)
                return RedisRateLimitPartition.GetFixedWindowRateLimiter(redis.Key($"sign-in:{client}"), _ => new RedisFixedWindowRateLimiterOptions
                {
                    ConnectionMultiplexerFactory = () => redis.Connection,
                    PermitLimit = PermitsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                });
            return RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = PermitsPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
        });
    });
}
