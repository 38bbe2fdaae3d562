using System.Diagnostics;
using System.Globalization;
using LabelAndAlign.Cli.LoadTest;

namespace LabelAndAlign.Cli.Commands;

/// <summary>
/// <c>lna loadtest --url &lt;base&gt;[,&lt;base&gt;…] --api-key &lt;admin key&gt; --project &lt;id&gt; [--labelers 200 --seconds 60]</c>:
/// creates its simulated labelers through the API (users, memberships, keys), then each takes
/// assignments and submits labels with think time for the given seconds. With several URLs (app
/// instances sharing one database) the labelers are split over them, and one whose instance stops
/// answering carries on with the next, as a load balancer would send them. Afterwards it reads
/// the project's votes back and counts the acknowledged labels that are stored. A 503 (the
/// server's database was busy; nothing of the call ran) is not an error: the call is sent again
/// after the answer's Retry-After, and the pause counts in its latency. Prints <c>p50_ms=</c>,
/// <c>p99_ms=</c>, <c>errors=</c>, <c>busy_retries=</c>, <c>stored=</c>, <c>lost=</c> and last <c>acknowledged=</c>.
/// </summary>
public sealed class LoadTestCommand : ICliCommand
{
    private static readonly string[] Choices = ["left", "right", "tie", "both_bad"];

    public string Name => "loadtest";
    public string Summary => "simulate many labelers against running app instances (--url A[,B…] --api-key --project [--labelers 200 --seconds 60])";

    public async Task<int> RunAsync(CliArgs args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var urls = args.Required("url").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri : throw new CliUsageException($"--url '{u}' is not an absolute URL such as http://localhost:5000.")).ToList();
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

        var https = urls.Select(url => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = labelers + 8, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(30),
        }).ToList();
        using var _ = new DisposeAll(https);
        var admin = new LabelingApiClient(https[0], adminKey);

        stdout.WriteLine($"setting up {labelers} labelers on project {projectId} over {urls.Count} instance(s)…");
        string run = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + Random.Shared.Next(1000, 9999);
        var keys = new string[labelers];
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
                    keys[i] = await admin.IssueKeyAsync(id, cancel);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        var latencies = new LatencyRecorder();
        var acknowledged = new List<long>();
        int errors = 0, empty = 0, busy = 0;
        void Busy(TimeSpan pause) => Interlocked.Increment(ref busy);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        stop.CancelAfter(TimeSpan.FromSeconds(seconds));
        stdout.WriteLine($"running for {seconds} s…");

        async Task LabelerAsync(int index)
        {
            var random = new Random(seed * 100_003 + index);
            int at = index % https.Count;
            var client = new LabelingApiClient(https[at], keys[index], Busy);
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
                    // No answer at all (the instance is gone): carry on with the next one.
                    if (e is HttpRequestException { StatusCode: null } && https.Count > 1)
                        client = new LabelingApiClient(https[at = (at + 1) % https.Count], keys[index], Busy);
                    await Delay(thinkMs, stop.Token);
                }
            }
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, labelers).Select(LabelerAsync));
        if (ackFile is not null) await File.WriteAllLinesAsync(ackFile, acknowledged.Select(id => id.ToString(CultureInfo.InvariantCulture)), CancellationToken.None);
        var stored = await StoredLabelIdsAsync(https, adminKey, projectId, cancel);
        int found = acknowledged.Count(stored.Contains);

        stdout.WriteLine($"requests={latencies.Count}");
        stdout.WriteLine($"throughput_rps={latencies.Count / clock.Elapsed.TotalSeconds:0.0}");
        stdout.WriteLine($"empty_queue_answers={empty}");
        stdout.WriteLine(FormattableString.Invariant($"p50_ms={latencies.Percentile(50):0.0}"));
        stdout.WriteLine(FormattableString.Invariant($"p99_ms={latencies.Percentile(99):0.0}"));
        stdout.WriteLine($"errors={errors}");
        stdout.WriteLine($"busy_retries={busy}");
        stdout.WriteLine($"stored={found}");
        stdout.WriteLine($"lost={acknowledged.Count - found}");
        stdout.WriteLine($"acknowledged={acknowledged.Count}");
        return errors == 0 && found == acknowledged.Count ? 0 : 1;
    }

    /// <summary>The ids of the project's stored labels, from its votes export, read from the first instance that answers.</summary>
    private static async Task<HashSet<long>> StoredLabelIdsAsync(List<HttpClient> https, string adminKey, int projectId, CancellationToken cancel)
    {
        HttpRequestException? last = null;
        foreach (var http in https)
        {
            try
            {
                return await new LabelingApiClient(http, adminKey).LabelIdsAsync(projectId, cancel);
            }
            catch (HttpRequestException e)
            {
                last = e;
            }
        }
        throw new HttpRequestException($"No instance answered for the votes export: {last?.Message}", last);
    }

    private sealed class DisposeAll(IEnumerable<IDisposable> items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items) item.Dispose();
        }
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
