using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.JSInterop;

namespace LabelAndAlign.Web.Hosting;

/// <summary>
/// Keeps every open page's state across a server restart. When the app is asked to stop, each
/// browser is asked to pause its circuit (<c>Blazor.pauseCircuit</c>): the server then sends the
/// page's persisted state (<c>[PersistentState]</c> properties, encrypted with the app's data
/// protection keys) to the browser and closes the circuit. The browser resumes it on the restarted
/// server by itself (Components/Layout/ReconnectModal.razor.js), so an unsent choice survives.
/// .NET 10 pauses only when the client asks; this is the server's way of asking.
/// </summary>
public sealed class CircuitPauses
{
    private readonly ConcurrentDictionary<string, IJSRuntime> _open = new();
    private readonly ILogger<CircuitPauses> _logger;
    private volatile bool _stopping;

    /// <summary>How long a stop waits for the browsers to take their state.</summary>
    public static readonly TimeSpan StopWait = TimeSpan.FromSeconds(5);

    public CircuitPauses(IHostApplicationLifetime lifetime, ILogger<CircuitPauses> logger)
    {
        _logger = logger;
        // Created with the first circuit, so registered after SignalR's own stop callback, which closes every
        // connection; callbacks run last-registered first, so the pages are paused while still connected.
        lifetime.ApplicationStopping.Register(PauseAll);
    }

    /// <summary>
    /// Once stopping, the app takes no new circuit connections: a browser it just paused would otherwise resume on it
    /// at once, be paused again, and swap the page on screen for a circuit that is already gone. Refused, the browser
    /// keeps trying until the restarted app (or another instance) answers.
    /// </summary>
    public bool RefusesNewCircuits => _stopping;

    internal void Opened(Circuit circuit, IJSRuntime js)
    {
        if (_open.ContainsKey(circuit.Id)) return;
        _open[circuit.Id] = js;
        // A browser whose connection began just before the stop is paused again at once.
        if (_stopping) RequestPause(circuit.Id, js);
    }

    internal void Closed(Circuit circuit) => _open.TryRemove(circuit.Id, out _);

    private void PauseAll()
    {
        _stopping = true;
        if (_open.IsEmpty) return;
        int count = _open.Count;
        foreach (var (id, js) in _open) RequestPause(id, js);
        var deadline = DateTime.UtcNow + StopWait;
        while (!_open.IsEmpty && DateTime.UtcNow < deadline) Thread.Sleep(50);
        _logger.LogInformation("Paused {Paused} of {Count} open pages before stopping; they resume when the app is back", count - _open.Count, count);
    }

    private void RequestPause(string id, IJSRuntime js) =>
        // Not awaited: the browser answers only after the circuit is gone. Its closing is what we wait for.
        _ = js.InvokeVoidAsync("Blazor.pauseCircuit").AsTask().ContinueWith(t =>
        {
            if (t.Exception is { } e && _open.ContainsKey(id)) _logger.LogDebug(e, "Asking circuit {Circuit} to pause failed", id);
        }, TaskScheduler.Default);
}

/// <summary>Tells <see cref="CircuitPauses"/> which circuits are open, with the JS runtime of each.</summary>
internal sealed class CircuitPauseHandler(CircuitPauses pauses, IJSRuntime js) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        pauses.Opened(circuit, js);
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        pauses.Opened(circuit, js);
        return Task.CompletedTask;
    }

    // A paused circuit's connection goes down once its state is with the browser.
    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        pauses.Closed(circuit);
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        pauses.Closed(circuit);
        return Task.CompletedTask;
    }
}
