using System.Runtime.CompilerServices;
using System.Security.Claims;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.EntityFrameworkCore;
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

    [Fact]
    public async Task ASessionFoundCurrent_IsTrustedForAFewSeconds_ThenAskedAgain()
    {
        await using var signedIn = await SignedInCircuit.StartAsync();
        Assert.True(await signedIn.SendAsync());

        await signedIn.EndSessionOutsideTheAppAsync(); // no push: only asking the database again finds it
        signedIn.Clock.Advance(CircuitSessionGuard.Trust - TimeSpan.FromMilliseconds(1));
        Assert.True(await signedIn.SendAsync());
        Assert.False(signedIn.Auth.SignedOut);

        signedIn.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(await signedIn.SendAsync());
        Assert.True(signedIn.Auth.SignedOut);
    }

    [Fact]
    public async Task APushFromLiveSessions_SignsTheCircuitOut_AtOnce_WhileItsSessionIsTrusted()
    {
        await using var signedIn = await SignedInCircuit.StartAsync();
        Assert.True(await signedIn.SendAsync());

        await signedIn.EndSessionOutsideTheAppAsync();
        signedIn.Live.Recheck(signedIn.UserId);
        for (var until = DateTime.UtcNow.AddSeconds(10); !signedIn.Auth.SignedOut && DateTime.UtcNow < until; ) await Task.Delay(10);

        Assert.True(signedIn.Auth.SignedOut);
    }

    private static CircuitSessionGuard Guard(AuthenticationStateProvider auth) =>
        new(auth, new LiveSessions(NullLogger<LiveSessions>.Instance), new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(), TimeProvider.System);

    /// <summary>A signed-in user's circuit behind the guard, over a test database, on a clock the test moves.</summary>
    private sealed class SignedInCircuit : IAsyncDisposable
    {
        private readonly TestDatabase _db;
        private readonly Func<CircuitInboundActivityContext, Task> _handler;
        private readonly List<CircuitInboundActivityContext> _reached = [];

        public ManualClock Clock { get; }
        public LiveSessions Live { get; }
        public SettableAuthState Auth { get; }
        public int UserId { get; }

        private SignedInCircuit(TestDatabase db, ManualClock clock, LiveSessions live, SettableAuthState auth, int userId, CircuitSessionGuard guard)
        {
            (_db, Clock, Live, Auth, UserId) = (db, clock, live, auth, userId);
            _handler = guard.CreateInboundActivityHandler(m => { lock (_reached) _reached.Add(m); return Task.CompletedTask; });
        }

        public static async Task<SignedInCircuit> StartAsync()
        {
            var db = new TestDatabase();
            var clock = new ManualClock(DateTimeOffset.UtcNow);
            var live = new LiveSessions(NullLogger<LiveSessions>.Instance);
            var sessions = new UserSessions(db.Factory, clock, live);
            var user = await AccountsTestData.Accounts(db, clock).CreateUserAsync("ada@example.com", "a-long-password", "Labeler");
            var auth = new SettableAuthState(AppClaims.CreatePrincipal(user, "Cookies", await sessions.StartAsync(user)));
            var scopes = new ServiceCollection().AddSingleton(sessions).BuildServiceProvider().GetRequiredService<IServiceScopeFactory>();
            var guard = new CircuitSessionGuard(auth, live, scopes, clock);
            await guard.OnCircuitOpenedAsync(null!, CancellationToken.None); // the guard never reads the circuit
            return new SignedInCircuit(db, clock, live, auth, user.Id, guard);
        }

        /// <summary>Sends one message; true when it reached the page.</summary>
        public async Task<bool> SendAsync()
        {
            var message = Message();
            await _handler(message).WaitAsync(TimeSpan.FromSeconds(10));
            lock (_reached) return _reached.Contains(message);
        }

        /// <summary>Ends the user's sessions in the database directly, as a change the app is not told of.</summary>
        public async Task EndSessionOutsideTheAppAsync()
        {
            await using var context = await _db.Factory.CreateDbContextAsync();
            await context.UserSessions.ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, Clock.GetUtcNow().UtcDateTime));
        }

        public ValueTask DisposeAsync()
        {
            _db.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The signed-in state a circuit starts with; the guard signs it out as the framework's provider would be.</summary>
    private sealed class SettableAuthState(ClaimsPrincipal user) : AuthenticationStateProvider, IHostEnvironmentAuthenticationStateProvider
    {
        private Task<AuthenticationState> _state = Task.FromResult(new AuthenticationState(user));

        public bool SignedOut { get; private set; }

        public override Task<AuthenticationState> GetAuthenticationStateAsync() => _state;

        public void SetAuthenticationState(Task<AuthenticationState> authenticationStateTask)
        {
            _state = authenticationStateTask;
            SignedOut = true;
        }
    }

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
