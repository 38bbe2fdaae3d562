using System.Net.Http.Headers;
using LabelAndAlign.Protocol;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace LabelAndAlign.Cli.Worker;

/// <summary>
/// A worker's line to the web app: the engine hub (kept connected: a lost connection is retried for as long as the
/// worker runs, and every new one starts with <see cref="IEngineHub.Hello"/>, naming the jobs still held) and an
/// HTTP client for the bulk transfers. Calls wait until the hub is connected and introduced.
/// </summary>
public sealed class EngineConnection : IAsyncDisposable
{
    private static readonly TimeSpan[] Backoff = [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

    private readonly HubConnection _hub;
    private readonly Func<WorkerHello> _hello;
    private readonly WorkerLog _log;
    private readonly Lock _lock = new();
    private TaskCompletionSource<Welcome> _ready = NewReady();
    private TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _disposed;

    /// <param name="hello">the hello to send on each new connection (with the jobs held at that moment)</param>
    public EngineConnection(Uri server, string apiKey, Func<WorkerHello> hello, WorkerLog log)
    {
        Server = server;
        _hello = hello;
        _log = log;
        _hub = new HubConnectionBuilder()
            .WithUrl(new Uri(server, EngineRoutes.HubPath), o => o.AccessTokenProvider = () => Task.FromResult<string?>(apiKey))
            .Build();
        _hub.Closed += e =>
        {
            bool wasIntroduced;
            lock (_lock)
            {
                wasIntroduced = _ready.Task.IsCompleted;
                if (wasIntroduced) _ready = NewReady();
                _closed.TrySetResult();
            }
            // A server that dies can close the socket cleanly (then e is null), so an introduced connection that closes
            // while the worker runs on is a lost server either way; our own stops (a failed start, dispose) are not.
            if (e is not null || (wasIntroduced && !_disposed))
                _log.Write($"lost the server: {e?.Message ?? "the connection closed"}");
            return Task.CompletedTask;
        };
        Http = new HttpClient { BaseAddress = server, Timeout = Timeout.InfiniteTimeSpan };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public Uri Server { get; }

    /// <summary>For the job transfers (<see cref="EngineRoutes"/>); authenticated with the worker's key.</summary>
    public HttpClient Http { get; }

    /// <summary>Called for each server-sent message; register before <see cref="RunAsync"/>.</summary>
    public void On(Action<JobKind, int> cancel, Action wake)
    {
        _hub.On<JobKind, int>(nameof(IEngineWorker.Cancel), cancel);
        _hub.On(nameof(IEngineWorker.Wake), wake);
    }

    /// <summary>The welcome of the current connection, once it is connected and introduced.</summary>
    public Task<Welcome> ReadyAsync(CancellationToken cancel)
    {
        Task<Welcome> ready;
        lock (_lock) ready = _ready.Task;
        return ready.WaitAsync(cancel);
    }

    public bool IsReady
    {
        get { lock (_lock) return _ready.Task.IsCompletedSuccessfully; }
    }

    /// <summary>Connects, introduces the worker, and connects again whenever the connection drops, until <paramref name="stop"/>.</summary>
    public async Task RunAsync(Action<Welcome> welcomed, CancellationToken stop)
    {
        int failures = 0;
        while (!stop.IsCancellationRequested)
        {
            TaskCompletionSource closed;
            lock (_lock) closed = _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                await _hub.StartAsync(stop);
                var welcome = await _hub.InvokeAsync<Welcome>(nameof(IEngineHub.Hello), _hello(), stop);
                welcomed(welcome);
                lock (_lock) _ready.TrySetResult(welcome);
                if (failures > 0) _log.Write($"connected to {Server} again");
                failures = 0;
                await closed.Task.WaitAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is HttpRequestException or HubException or IOException or InvalidOperationException or TimeoutException
                                           or System.Net.WebSockets.WebSocketException or TaskCanceledException)
            {
                lock (_lock)
                    if (_ready.Task.IsCompleted) _ready = NewReady();
                var pause = Backoff[Math.Min(failures, Backoff.Length - 1)];
                if (failures == 0 || failures % 12 == 0) _log.Write($"cannot reach {Server}: {Reason(e)}; trying again every {Backoff[^1].TotalSeconds:0} s");
                failures++;
                if (_hub.State != HubConnectionState.Disconnected) await _hub.StopAsync(CancellationToken.None);
                await Task.Delay(pause == TimeSpan.Zero ? TimeSpan.FromMilliseconds(200) : pause, stop).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// Whether a hub call or HTTP request failed because the connection to the server dropped (then the caller tries
    /// again once it is back) rather than because the worker stops. A call pending when the connection closes fails
    /// with whatever closed it — a WebSocketException when the server died — so the list is wide.
    /// </summary>
    public static bool IsConnectionLoss(Exception e, CancellationToken stop) =>
        !stop.IsCancellationRequested && e is InvalidOperationException or IOException or HttpRequestException or TimeoutException
            or System.Net.WebSockets.WebSocketException or OperationCanceledException;

    /// <summary>Calls the hub once it is ready; throws when the connection drops during the call (the caller sends it again).</summary>
    public async Task<T> InvokeAsync<T>(string method, object argument, CancellationToken cancel)
    {
        await ReadyAsync(cancel);
        return await _hub.InvokeAsync<T>(method, argument, cancel);
    }

    /// <summary>Sends a message the hub does not answer (throws when the connection drops meanwhile).</summary>
    public Task SendAsync(string method, object argument, CancellationToken cancel) => _hub.SendAsync(method, argument, cancel);

    private static string Reason(Exception e) => e switch
    {
        HttpRequestException { StatusCode: System.Net.HttpStatusCode.Unauthorized } => "the API key was refused (unknown, revoked, or its account disabled)",
        HttpRequestException { StatusCode: System.Net.HttpStatusCode.Forbidden } => "the API key is not a Worker account's (an admin makes one with role Worker)",
        HubException h => h.Message.Replace("An unexpected error occurred invoking 'Hello' on the server. HubException: ", "", StringComparison.Ordinal),
        _ => e.Message,
    };

    private static TaskCompletionSource<Welcome> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await _hub.DisposeAsync();
        Http.Dispose();
    }
}
