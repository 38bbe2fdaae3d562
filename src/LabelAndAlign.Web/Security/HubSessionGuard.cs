using System.Collections.Concurrent;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.SignalR;

namespace LabelAndAlign.Web.Security;

/// <summary>
/// Re-authorizes our hubs' connections on the session, not only at connect: a connection whose
/// session no longer stands (signed out, disabled, role changed, key revoked) is refused on its
/// next call and closed as soon as <see cref="LiveSessions"/> re-checks it, so it stops receiving.
/// </summary>
public sealed class HubSessionGuard(LiveSessions live, IServiceScopeFactory scopes) : IHubFilter
{
    public const string EndedMessage = "Your session has ended (signed out, or your account changed); sign in again.";

    private readonly ConcurrentDictionary<string, IDisposable> _tracking = new();

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var caller = context.Context;
        if (caller.User?.UserId() is not int userId || !await IsCurrentAsync(caller))
            throw new HubException(EndedMessage);
        _tracking[caller.ConnectionId] = live.Track(userId, async () =>
        {
            if (!await IsCurrentAsync(caller)) caller.Abort();
        });
        await next(context);
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (!context.HubMethod.IsDefined(typeof(SessionCheckedAtConnectAttribute), inherit: false) && !await IsCurrentAsync(context.Context))
        {
            context.Context.Abort();
            throw new HubException(EndedMessage);
        }
        return await next(context);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        if (_tracking.TryRemove(context.Context.ConnectionId, out var tracking)) tracking.Dispose();
        await next(context, exception);
    }

    private async Task<bool> IsCurrentAsync(HubCallerContext caller)
    {
        if (caller.User is null) return false;
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserSessions>().IsCurrentAsync(caller.User);
    }
}

/// <summary>
/// A hub method <see cref="HubSessionGuard"/> does not re-check the session for on each call: one that must run in the
/// order its calls came (a check is a database read, and calls are handled in parallel), and that neither changes nor
/// reveals anything by itself. Its connection is still checked at connect, and closed as soon as its session ends.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SessionCheckedAtConnectAttribute : Attribute;
