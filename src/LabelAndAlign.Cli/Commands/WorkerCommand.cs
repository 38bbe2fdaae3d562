using LabelAndAlign.Cli.Training;
using LabelAndAlign.Cli.Worker;
using LabelAndAlign.Engine.Kernels;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna worker --server &lt;url&gt; --api-key &lt;key&gt; [--name &lt;n&gt;] [--max-runs &lt;n&gt;]</c>: a training machine for a
/// LabelAndAlign server. It connects to the server's engine hub with a Worker account's API key, says what it can do,
/// takes the runs it can train, fetches their data and checkpoints over HTTP, trains them through the one recipe and
/// sends back metrics, samples and checkpoints. It never opens the server's database. Ctrl+C pauses its runs at a
/// checkpoint (uploaded) so another worker resumes them; a second Ctrl+C quits at once. <c>--nice</c> and
/// <c>--sched-idle</c> make it leave the cores to a web app on the same machine (the app's local workers use both).
/// </summary>
public sealed class WorkerCommand : ICliCommand
{
    /// <summary>Where the key comes from when not on the command line (which other users of the machine can read).</summary>
    public const string KeyVariable = "LNA_API_KEY";

    /// <summary>How long an attached worker whose parent went away keeps trying to hand its runs back before it quits.</summary>
    private static readonly TimeSpan OrphanGrace = TimeSpan.FromSeconds(15);

    public string Name => "worker";
    public string Summary => "train runs for a server: --server URL --api-key KEY [--name N --max-runs 1 --work-dir DIR --nice 0-19 --sched-idle]";

    public async Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        string serverText = args.Required("server");
        bool attached = args.Flag("attached");
        string? key = args.String("api-key");
        string name = args.String("name") ?? Environment.MachineName;
        int maxRuns = args.Int("max-runs", 1);
        string? workDir = args.String("work-dir");
        int? nice = args.Has("nice") ? args.Int("nice", 0) : null;
        bool schedIdle = args.Flag("sched-idle");
        args.RejectUnknown();

        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
            throw new CliUsageException($"--server must be the app's http(s) URL, like http://localhost:5000; found '{serverText}'.");
        if (maxRuns is < 1 or > 64) throw new CliUsageException($"--max-runs must be between 1 and 64, found {maxRuns}.");
        // Attached (how the web app runs its local workers): the key is the first line of stdin, and stdin closing means stop.
        if (attached) key = await stdin.ReadLineAsync(cancel);
        key ??= Environment.GetEnvironmentVariable(KeyVariable);
        if (string.IsNullOrWhiteSpace(key))
            throw new CliUsageException($"Give the Worker account's API key: --api-key KEY, or the {KeyVariable} environment variable. An admin makes one: POST /api/users {{email, password, role: \"Worker\"}}, then POST /api/users/{{id}}/keys (or Admin → Add person with role Worker).");
        workDir = Path.GetFullPath(workDir ?? Path.Combine(Path.GetTempPath(), $"lna-worker-{name}"));
        Directory.CreateDirectory(workDir);

        var log = new WorkerLog(stdout);
        if (nice is int n) log.Write($"running at nice {n} ({WorkerPriority.Lower(n)} threads)");
        bool idleCompute = false;
        if (schedIdle)
        {
            // Before anything computes: every compute thread (each job's own, the engine's helpers) starts under SCHED_IDLE.
            var compute = new IdleCompute(log);
            string? refused = compute.Available;
            idleCompute = refused is null;
            if (idleCompute) KernelThreads.ThreadStart = compute.Enter;
            log.Write(refused is null ? "compute threads run under SCHED_IDLE" : $"--sched-idle: {refused}; compute threads run at the worker's priority");
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var abandon = new CancellationTokenSource();
        if (attached)
            _ = Task.Run(async () =>
            {
                // The parent keeps stdin open while it lives: end of input is its way of saying stop (or it died).
                while (await stdin.ReadLineAsync(CancellationToken.None) is not null) { }
                log.Write("the app asked this worker to stop");
                await stop.CancelAsync();
                abandon.CancelAfter(OrphanGrace);
            }, CancellationToken.None);
        var agent = new WorkerAgent(new WorkerSettings(server, key.Trim(), name, maxRuns, workDir, idleCompute), CliBackends.Factory, log);
        await agent.RunAsync(stop.Token, abandon.Token);
        return 0;
    }
}
