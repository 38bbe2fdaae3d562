using System.Diagnostics;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Workers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Hosting;

/// <summary>
/// The embedded default: <c>Training:LocalWorkers</c> <c>lna worker</c> child processes that train over the same
/// protocol as any other worker, at a lower scheduling priority than the app (see <see cref="LocalWorkerCommand.Arguments"/>). Their key is minted at start for the
/// local-workers account and handed over stdin (never written anywhere); a child that dies is started again after a
/// pause that grows while it keeps dying; on shutdown the children are told to stop (stdin closes), pause their runs
/// at a checkpoint and report them, and only then does the app stop serving.
/// </summary>
public sealed class LocalWorkers(IServiceScopeFactory scopes, IServer server, IHostApplicationLifetime lifetime, IOptions<TrainingOptions> options,
    ILogger<LocalWorkers> logger) : BackgroundService, IHostedLifecycleService
{
    /// <summary>The account local workers connect as (a Worker: its keys do nothing but work).</summary>
    public const string AccountEmail = "local-workers@labelandalign.localhost";

    /// <summary>How long a stopping child may take to pause its runs before it is killed.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);

    private readonly CancellationTokenSource _stopping = new();
    private (int UserId, int KeyId)? _key;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (o.LocalWorkers <= 0)
        {
            logger.LogInformation("Training:LocalWorkers is 0: runs wait for workers started elsewhere (lna worker --server … --api-key …)");
            return;
        }
        var (exe, tried) = LocalWorkerCommand.Find(o.WorkerPath, AppContext.BaseDirectory);
        if (exe is null)
        {
            logger.LogError("No local worker can start: lna was not found (looked at {Tried}). Build src/LabelAndAlign.Cli, set Training:WorkerPath to lna, "
                + "or set Training:LocalWorkers to 0 and connect workers with lna worker. Runs stay queued until a worker connects.", string.Join(", ", tried));
            return;
        }
        using var both = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _stopping.Token);
        try
        {
            await Task.Delay(Timeout.Infinite, lifetime.ApplicationStarted).ContinueWith(_ => { }, TaskScheduler.Default);
            string? url = LocalWorkerCommand.LoopbackUrl(server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
            if (url is null)
            {
                logger.LogError("No local worker can start: the app listens on no address a local process can reach; connect workers with lna worker --server <url>");
                return;
            }
            int port = new Uri(url).Port;
            string key = await MintKeyAsync(port, both.Token);
            await Task.WhenAll(Enumerable.Range(1, o.LocalWorkers).Select(i => SuperviseAsync(exe, url, key, Name(i, port), both.Token)));
        }
        catch (OperationCanceledException) when (both.IsCancellationRequested) { }
        catch (Exception e) when (e is InvalidOperationException or InputException or System.Data.Common.DbException or DatabaseBusyException)
        {
            // Training stops; the app keeps serving (and says why).
            logger.LogError(e, "The local workers stopped: {Error}", e.Message);
        }
    }

    /// <summary>A name unique to this app instance and stable across its restarts, so a restarted child takes over its predecessor's runs at once.</summary>
    private static string Name(int i, int port)
    {
        string machine = new(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '-').ToArray());
        return $"local-{i}@{machine}-{port}";
    }

    /// <summary>Runs one child, again and again until the app stops.</summary>
    private async Task SuperviseAsync(string exe, string url, string key, string name, CancellationToken stop)
    {
        var o = options.Value;
        var pause = TimeSpan.FromSeconds(1);
        while (!stop.IsCancellationRequested)
        {
            var start = new ProcessStartInfo(exe)
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (string a in LocalWorkerCommand.Arguments(url, name, o, OperatingSystem.IsLinux())) start.ArgumentList.Add(a);
            var began = DateTime.UtcNow;
            using var child = new Process { StartInfo = start };
            child.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) logger.LogInformation("[{Worker}] {Line}", name, line); };
            child.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) logger.LogWarning("[{Worker}] {Line}", name, line); };
            try
            {
                child.Start();
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                logger.LogError("Local worker {Worker} could not start {Exe}: {Error}", name, exe, e.Message);
                return;
            }
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            // The key goes over the pipe; the open pipe is also how the child knows the app is alive.
            await child.StandardInput.WriteLineAsync(key);
            await child.StandardInput.FlushAsync(CancellationToken.None);
            logger.LogInformation("Local worker {Worker} started (pid {Pid})", name, child.Id);
            var exited = child.WaitForExitAsync(CancellationToken.None);
            await Task.WhenAny(exited, Task.Delay(Timeout.Infinite, stop));
            if (!exited.IsCompleted)
            {
                await StopAsync(child, name, exited);
                return;
            }
            // It died on its own: start it again, waiting longer while it keeps dying (and less once it ran a while).
            pause = DateTime.UtcNow - began > TimeSpan.FromMinutes(1) ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(Math.Min(30, pause.TotalSeconds * 2));
            logger.LogWarning("Local worker {Worker} exited with code {Code}; starting it again in {Seconds} s", name, child.ExitCode, pause.TotalSeconds);
            await Task.Delay(pause, stop);
        }
    }

    /// <summary>A new key of the local-workers account (made on first use), named for this instance; its earlier keys of that name are revoked.</summary>
    private async Task<string> MintKeyAsync(int port, CancellationToken cancel)
    {
        await using var scope = scopes.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(cancel);
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == AccountEmail, cancel);
        if (user is null)
        {
            try
            {
                // A password nobody knows: Worker accounts never sign in.
                user = await scope.ServiceProvider.GetRequiredService<AccountService>()
                    .CreateUserAsync(AccountEmail, SecretHash.NewSecret("pw_"), nameof(UserRole.Worker), cancel);
            }
            catch (InputException e) when (e.IsConflict)
            {
                // Another instance made it first.
                user = await db.Users.FirstAsync(u => u.Email == AccountEmail, cancel);
            }
        }
        if (user.Role != UserRole.Worker || user.IsDisabled)
            throw new InvalidOperationException($"{AccountEmail} is not an enabled Worker account (it is a {user.Role}{(user.IsDisabled ? ", disabled" : "")}); local workers cannot connect as it.");
        string name = $"local workers of {Environment.MachineName}:{port}";
        foreach (var old in (await keys.ListAsync(user.Id, cancel)).Where(k => k.Name == name && k.RevokedAt is null))
            await keys.RevokeAsync(user.Id, old.Id, cancel);
        string key = await keys.IssueAsync(user.Id, name, cancel);
        var issued = (await keys.ListAsync(user.Id, cancel)).First(k => k.Name == name && k.RevokedAt is null);
        _key = (user.Id, issued.Id);
        return key;
    }

    /// <summary>
    /// Before anything stops serving: the children are told to stop (see <see cref="StopAsync(Process, string, Task)"/>)
    /// and the app waits for them, then revokes their key.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (ExecuteTask is { } running) await running;
        if (_key is { } k)
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ApiKeyService>().RevokeAsync(k.UserId, k.KeyId, CancellationToken.None);
        }
    }

    /// <summary>
    /// Closes the child's stdin, which tells it to pause its runs at a checkpoint, upload it and report, and exit;
    /// one that outstays <see cref="StopGrace"/> is killed (its runs resume from their last uploaded checkpoint).
    /// </summary>
    private async Task StopAsync(Process child, string name, Task exited)
    {
        child.StandardInput.Close();
        if (await Task.WhenAny(exited, Task.Delay(StopGrace)) == exited) return;
        logger.LogWarning("Local worker {Worker} did not stop within {Seconds} s; killing it", name, StopGrace.TotalSeconds);
        child.Kill(entireProcessTree: true);
        await exited;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Dispose()
    {
        _stopping.Dispose();
        base.Dispose();
    }
}
