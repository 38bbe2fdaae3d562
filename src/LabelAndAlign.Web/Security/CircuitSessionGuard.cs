using System.Security.Claims;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace LabelAndAlign.Web.Security;

/// <summary>
/// An open Blazor circuit outlives the request that started it, so its session is checked again
/// before every message from the browser (a click, a key, a navigation) and whenever
/// <see cref="LiveSessions"/> says the user's sign-in changed. A session that no longer stands
/// (signed out, disabled, role or password changed) turns the circuit signed-out at once: the
/// message that found out is dropped, and the page falls back to the sign-in page.
/// The framework starts each message's handling without waiting for the one before, and these
/// checks are database queries that can finish in any order: they run side by side, but each
/// message waits for the one sent before it, so a Ctrl+Enter never overtakes the text typed just before.
/// A session found current is trusted for <see cref="Trust"/> without asking the database again: a page's
/// render acknowledgements and script results are messages too, dozens a second on a live chart.
/// </summary>
public sealed class CircuitSessionGuard(AuthenticationStateProvider auth, LiveSessions live, IServiceScopeFactory scopes, TimeProvider clock) : CircuitHandler
{
    /// <summary>
    /// How long a check that found the session current stands. A change made in the app (sign-out, role, disabled,
    /// password, revoked key) reaches the circuit at once through <see cref="LiveSessions"/>, which checks again
    /// whatever the trust (and a circuit signed out stays signed out); this only bounds how late a session's maximum
    /// age, or a change made to the database from outside the app, is noticed.
    /// </summary>
    public static readonly TimeSpan Trust = TimeSpan.FromSeconds(5);

    private static readonly Task<bool> Current = Task.FromResult(true);

    private IDisposable? _tracking;
    private readonly Lock _line = new();
    /// <summary>Done when the last message let through so far has reached the page (or was dropped).</summary>
    private Task _lastInLine = Task.CompletedTask;
    /// <summary>Until when (clock ticks) the last check that found the session current stands.</summary>
    private long _trustedUntil;

    public override async Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if ((await auth.GetAuthenticationStateAsync()).User.UserId() is int userId)
            _tracking = live.Track(userId, async () => await IsCurrentAsync());
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        _tracking?.Dispose();
        return Task.CompletedTask;
    }

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task before;
            lock (_line) (before, _lastInLine) = (_lastInLine, done.Task);
            try
            {
                bool trusted;
                lock (_line) trusted = clock.GetUtcNow().UtcTicks < _trustedUntil;
                var current = trusted ? Current : IsCurrentAsync();
                await before; // never faults: each message's task is a completion source set in its finally
                if (await current) await next(context);
            }
            finally
            {
                done.SetResult();
            }
        };

    /// <summary>True for a signed-out circuit or a session that stands; otherwise signs the circuit out and returns false.</summary>
    private async Task<bool> IsCurrentAsync()
    {
        var user = (await auth.GetAuthenticationStateAsync()).User;
        if (user.UserId() is null) return true;
        long asked = clock.GetUtcNow().UtcTicks;
        // A scope of its own: the circuit's DbContext may be busy with the page on another thread.
        await using var scope = scopes.CreateAsyncScope();
        if (await scope.ServiceProvider.GetRequiredService<UserSessions>().IsCurrentAsync(user))
        {
            lock (_line) _trustedUntil = Math.Max(_trustedUntil, asked + Trust.Ticks);
            return true;
        }
        _tracking?.Dispose();
        if (auth is IHostEnvironmentAuthenticationStateProvider host)
            host.SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
        return false;
    }
}
