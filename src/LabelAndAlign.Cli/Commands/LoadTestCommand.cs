using System.Diagnostics;
using System.Globalization;
using LabelAndAlign.Cli.LoadTest;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna loadtest --url &lt;base&gt; --api-key &lt;admin key&gt; --project &lt;id&gt; [--labelers 200 --seconds 60]</c>:
/// creates its simulated labelers through the API (users, memberships, keys), then each takes
/// assignments and submits labels with think time for the given seconds. Prints
/// <c>p50_ms=</c>, <c>p99_ms=</c>, <c>errors=</c> and last <c>acknowledged=</c>.
/// </summary>
public sealed class LoadTestCommand : ICliCommand
{
    private static readonly string[] Choices = ["left", "right", "tie", "both_bad"];

    public string Name => "loadtest";
    public string Summary => "simulate many labelers against a running app (--url --api-key --project [--labelers 200 --seconds 60])";

    public async Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var baseUrl = new Uri(args.Required("url"));
        string adminKey = args.Required("api-key");
        int projectId = args.Int("project", 0);
        int labelers = args.Int("labelers", 200);
        int seconds = args.Int("seconds", 60);
        int thinkMs = args.Int("think-ms", 1000);
        int seed = args.Int("seed", 1);
        string? ackFile = args.String("ack-file");
        args.RejectUnknown();
        if (projectId <= 0) throw new CliUsageException("--project must name a project id (a positive number).");
        if (labelers is < 1 or > 5000) throw new CliUsageException($"--labelers must lie in 1..5000, found {labelers}.");
        if (seconds < 1) throw new CliUsageException($"--seconds must be at least 1, found {seconds}.");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = labelers + 8, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromSeconds(30),
        };
        var admin = new LabelingApiClient(http, adminKey);

        stdout.WriteLine($"setting up {labelers} labelers on project {projectId}…");
        string run = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + Random.Shared.Next(1000, 9999);
        var clients = new LabelingApiClient[labelers];
        using (var gate = new SemaphoreSlim(8))
        {
            await Task.WhenAll(Enumerable.Range(0, labelers).Select(async i =>
            {
                await gate.WaitAsync(cancel);
                try
                {
                    string email = $"loadtest-{run}-{i}@example.com";
                    int id = await admin.CreateUserAsync(email, Guid.NewGuid().ToString("N"), "Labeler", cancel);
                    await admin.AddMemberAsync(projectId, email, "Labeler", cancel);
                    clients[i] = new LabelingApiClient(http, await admin.IssueKeyAsync(id, cancel));
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        var latencies = new LatencyRecorder();
        var acknowledged = new List<long>();
        int errors = 0, empty = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        stop.CancelAfter(TimeSpan.FromSeconds(seconds));
        stdout.WriteLine($"running for {seconds} s…");

        async Task LabelerAsync(int index)
        {
            var random = new Random(seed * 100_003 + index);
            var client = clients[index];
            // Spread the first requests over one think time, as real people do not start in lockstep.
            await Delay(random.Next(thinkMs + 1), stop.Token);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var watch = Stopwatch.StartNew();
                    var assignment = await client.NextAsync(projectId, stop.Token);
                    latencies.Add(watch.Elapsed.TotalMilliseconds);
                    if (assignment is null)
                    {
                        Interlocked.Increment(ref empty);
                        await Delay(thinkMs, stop.Token);
                        continue;
                    }
                    await Delay(random.Next(thinkMs / 2, thinkMs * 3 / 2 + 1), stop.Token);
                    if (stop.IsCancellationRequested) break;
                    watch.Restart();
                    // Not cancelled by the stop signal: a label in flight is finished and counted.
                    long labelId = await client.LabelAsync(assignment.AssignmentId, Choices[random.Next(Choices.Length)], cancel);
                    latencies.Add(watch.Elapsed.TotalMilliseconds);
                    lock (acknowledged) acknowledged.Add(labelId);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    if (Interlocked.Increment(ref errors) <= 5) stderr.WriteLine($"error: {e.Message}");
                    await Delay(thinkMs, stop.Token);
                }
            }
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, labelers).Select(LabelerAsync));
        if (ackFile is not null) await File.WriteAllLinesAsync(ackFile, acknowledged.Select(id => id.ToString(CultureInfo.InvariantCulture)), CancellationToken.None);

        stdout.WriteLine($"requests={latencies.Count}");
        stdout.WriteLine($"throughput_rps={latencies.Count / clock.Elapsed.TotalSeconds:0.0}");
        stdout.WriteLine($"empty_queue_answers={empty}");
        stdout.WriteLine(FormattableString.Invariant($"p50_ms={latencies.Percentile(50):0.0}"));
        stdout.WriteLine(FormattableString.Invariant($"p99_ms={latencies.Percentile(99):0.0}"));
        stdout.WriteLine($"errors={errors}");
        stdout.WriteLine($"acknowledged={acknowledged.Count}");
        return errors == 0 ? 0 : 1;
    }

    private static async Task Delay(int ms, CancellationToken cancel)
    {
        try
        {
            await Task.Delay(ms, cancel);
        }
        catch (OperationCanceledException) { }
    }
}
