using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// The local worker as the app starts it (<see cref="WorkerHost"/>: a real <c>lna worker</c> child): it trains on a
/// thread under SCHED_IDLE, so labeling requests take the cores from it at once, while the threads that keep its
/// connection and leases stay ordinary at <c>Training:LocalWorkerNice</c>.
/// </summary>
public sealed class LocalWorkersTests : IDisposable
{
    private const int SchedOther = 0, SchedIdle = 5;

    private readonly TestDatabase _db = new(migrate: false);

    public void Dispose() => _db.Dispose();

    /// <summary>One thread of a process, from /proc: its name, nice value and scheduling policy (proc(5), stat fields 19 and 41).</summary>
    private sealed record OsThread(int Tid, string Name, int Nice, int Policy);

    private static List<OsThread> Threads(int pid)
    {
        var threads = new List<OsThread>();
        foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                // The name sits in parentheses and may hold spaces: the fields after it start at field 3.
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                threads.Add(new OsThread(int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(task, "comm")).Trim(),
                    int.Parse(fields[19 - 3], CultureInfo.InvariantCulture), int.Parse(fields[41 - 3], CultureInfo.InvariantCulture)));
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }
        return threads;
    }

    /// <summary>
    /// The <c>lna worker</c> child this test process started for the app at <paramref name="address"/>: the other test
    /// classes' hosts, running at the same time, start theirs too (one picked by mistake had no thread of this run).
    /// </summary>
    private static int? LocalWorkerPid(string address)
    {
        int port = new Uri(address).Port;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
            foreach (string child in ReadOrEmpty(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] args = ReadOrEmpty($"/proc/{child}/cmdline").Split('\0');
                int server = Array.IndexOf(args, "--server");
                if (args.Contains("worker") && args.Contains("--attached") && server >= 0 && server + 1 < args.Length
                    && Uri.TryCreate(args[server + 1], UriKind.Absolute, out var url) && url.Port == port)
                    return int.Parse(child, CultureInfo.InvariantCulture);
            }
        return null;
    }

    // A thread or child that ended meanwhile reads as nothing.
    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }

    [Fact]
    public async Task LocalWorker_TrainsUnderSchedIdle_WhileItsConnectionThreadsStayOrdinaryAtItsNice()
    {
        Assert.True(OperatingSystem.IsLinux(), "the local workers' scheduling is Linux's; these tests run on Linux");
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        var datasets = await api.GetFromJsonAsync<JsonElement>("/api/datasets");
        int dataset = datasets.EnumerateArray().First(d => d.GetProperty("name").GetString() == "arithmetic · SFT corpus").GetProperty("id").GetInt32();
        var launched = await api.PostAsJsonAsync("/api/runs", new
        {
            name = "sched", algorithm = "sft", source = new { datasetId = dataset },
            config = new { max_steps = 100_000, per_device_train_batch_size = 4, learning_rate = 0.003, max_length = 32 },
        });
        string body = await launched.Content.ReadAsStringAsync();
        Assert.True(launched.IsSuccessStatusCode, body);
        int run = JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt32();

        var deadline = DateTime.UtcNow.AddSeconds(120);
        JsonElement state;
        do
        {
            await Task.Delay(100);
            state = await api.GetFromJsonAsync<JsonElement>($"/api/runs/{run}");
        } while (state.GetProperty("step").GetInt32() < 2 && DateTime.UtcNow < deadline);
        Assert.True(state.GetProperty("step").GetInt32() >= 2, $"the run never trained: {state}");

        int pid = LocalWorkerPid(host.Address) ?? throw new InvalidOperationException("The app started no lna worker child.");
        var threads = Threads(pid);
        string all = string.Join("\n", threads);
        // The run's thread, and the native threads it started (OpenBLAS's), which inherit its name and policy.
        var training = threads.Where(t => t.Name == $"lna-run-{run}").ToList();
        Assert.True(training.Count > 0, $"no thread is training run {run}:\n{all}");
        Assert.All(training.Concat(threads.Where(t => t.Name.StartsWith("lna-kernel-", StringComparison.Ordinal) || t.Name.StartsWith("lna-compute-", StringComparison.Ordinal))),
            t => Assert.True(t.Policy == SchedIdle, $"compute thread {t} is not under SCHED_IDLE:\n{all}"));
        var main = Assert.Single(threads, t => t.Tid == pid);
        var pool = threads.Where(t => t.Name.StartsWith(".NET TP Worker", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(pool);
        Assert.All(pool.Append(main), t => Assert.True(t is { Policy: SchedOther, Nice: 10 }, $"{t} should be an ordinary thread at nice 10:\n{all}"));

        Assert.True((await api.PostAsync($"/api/runs/{run}/cancel", null)).IsSuccessStatusCode);
    }
}
