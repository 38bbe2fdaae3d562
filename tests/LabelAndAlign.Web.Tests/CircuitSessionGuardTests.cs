using System.Runtime.CompilerServices;
using System.Security.Claims;
using LabelAndAlign.Web.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// The guard checks the session before each message from the browser, and those checks can finish
/// in any order (each is a database query); the messages must still reach the page in the order
/// they were sent, or a key can overtake the text typed before it.
/// </summary>
public sealed class CircuitSessionGuardTests
{
    [Fact]
    public async Task AMessageWhoseCheckFinishesFirst_StillWaitsForTheOneSentBeforeIt()
    {
        var auth = new QueuedAuthState();
        var (typedChar, ctrlEnter) = (Message(), Message());
        var reached = new List<string>();
        var handler = Guard(auth).CreateInboundActivityHandler(m => { lock (reached) reached.Add(m == typedChar ? "typed e" : "Ctrl+Enter"); return Task.CompletedTask; });

        var typing = handler(typedChar);
        var submitting = handler(ctrlEnter);
        auth.Answer(1); // the second message's check finishes first
        await Task.WhenAny(submitting, Task.Delay(TimeSpan.FromSeconds(1)));
        auth.Answer(0);
        await Task.WhenAll(typing, submitting).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["typed e", "Ctrl+Enter"], reached);
    }

    [Fact]
    public async Task AMessageWhoseCheckFails_IsDropped_AndTheNextOneStillArrives()
    {
        var auth = new QueuedAuthState();
        var reached = new List<CircuitInboundActivityContext>();
        var handler = Guard(auth).CreateInboundActivityHandler(m => { lock (reached) reached.Add(m); return Task.CompletedTask; });
        var (first, second) = (Message(), Message());

        var failing = handler(first);
        var passing = handler(second);
        auth.Fail(0, new InvalidOperationException("the database is gone"));
        auth.Answer(1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(TimeSpan.FromSeconds(10)));
        await passing.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([second], reached);
    }

    private static CircuitSessionGuard Guard(AuthenticationStateProvider auth) =>
        new(auth, new LiveSessions(NullLogger<LiveSessions>.Instance), new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>());

    /// <summary>A message's context: the framework makes them; the guard only passes them on.</summary>
    private static CircuitInboundActivityContext Message() =>
        (CircuitInboundActivityContext)RuntimeHelpers.GetUninitializedObject(typeof(CircuitInboundActivityContext));

    /// <summary>Hands out a pending authentication state per call; the test settles them in any order (signed out: no database).</summary>
    private sealed class QueuedAuthState : AuthenticationStateProvider
    {
        private readonly List<TaskCompletionSource<AuthenticationState>> _calls = [];

        public override Task<AuthenticationState> GetAuthenticationStateAsync()
        {
            var call = new TaskCompletionSource<AuthenticationState>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_calls) _calls.Add(call);
            return call.Task;
        }

        public void Answer(int call) => Call(call).SetResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity())));
        public void Fail(int call, Exception error) => Call(call).SetException(error);
        private TaskCompletionSource<AuthenticationState> Call(int call) { lock (_calls) return _calls[call]; }
    }
}
