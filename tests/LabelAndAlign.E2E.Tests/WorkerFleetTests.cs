using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// Training on workers, with real processes on loopback: the app with no local worker (<c>Training:LocalWorkers=0</c>)
/// and <c>lna worker</c> processes connected to it with a Worker account's key. Two runs train at once on two
/// workers; a SIGKILLed worker's run resumes on the other from its last uploaded checkpoint with no step recorded
/// twice; a cancel is pushed to the worker; only Worker keys reach the engine hub, and they reach nothing else; a
/// worker that loses the server keeps training and reconnects; a restarted worker takes its run back at once; with no
/// worker a launched run waits in the queue.
/// </summary>
public sealed class WorkerFleetTests(ITestOutputHelper output) : AdminAppTest(output)
{
    private readonly List<WorkerProcess> _workers = [];

    /// <summary>No local worker; short leases so a silent worker's run moves on quickly (a heartbeat every half second).</summary>
    private static Dictionary<string, string> Environment(double leaseSeconds = 8, double heartbeatSeconds = 0.5)
    {
        var environment = AdminEnvironment;
        environment["Training__LocalWorkers"] = "0";
        environment["Training__LeaseSeconds"] = leaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["Training__HeartbeatSeconds"] = heartbeatSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return environment;
    }

    public override async Task InitializeAsync() => App = await AppProcess.StartAsync(Environment());

    public override async Task DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            Output?.WriteLine($"--- worker {worker.Name}\n{worker.Output}");
            await worker.DisposeAsync();
        }
        await base.DisposeAsync();
    }

    private async Task RestartAppAsync(Dictionary<string, string> environment)
    {
        await App.KillAsync();
        App = await AppProcess.StartAsync(environment, App.DataDirectory);
    }

    /// <summary>A Worker account and a key of it, as an admin makes them through the API.</summary>
    private async Task<string> WorkerKeyAsync(string name = "trainer")
    {
        var (id, _) = await CreateUserAsync(name, "Worker", "worker-account-password");
        var response = await Api().PostAsJsonAsync($"/api/users/{id}/keys", new { name = "gpu box" });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("key").GetString()!;
    }

    private async Task<WorkerProcess> StartWorkerAsync(string key, string name, bool waitConnected = true, IReadOnlyList<string>? options = null)
    {
        var worker = await WorkerProcess.StartAsync(App.BaseUrl, key, name, waitConnected, options: options);
        _workers.Add(worker);
        return worker;
    }

    private static object Tiny(int maxSteps, int saveSteps = 10) =>
        new { model = "tiny", max_steps = maxSteps, save_steps = saveSteps, per_device_train_batch_size = 4, learning_rate = 0.003, max_length = 32 };

    private static string Status(JsonElement run) => run.GetProperty("status").GetString()!;

    private static string? Worker(JsonElement run) => run.TryGetProperty("worker", out var w) && w.ValueKind == JsonValueKind.String ? w.GetString() : null;

    private static int Step(JsonElement run) => run.GetProperty("step").GetInt32();

    private async Task<JsonElement> RunAsync(int id) => JsonDocument.Parse(await Api().GetStringAsync($"/api/runs/{id}")).RootElement;

    private async Task<List<int>> LossStepsAsync(int id) =>
        JsonDocument.Parse(await Api().GetStringAsync($"/api/runs/{id}/metrics?name=loss&maxPoints=100000")).RootElement
            .EnumerateArray().Select(p => p.GetProperty("step").GetInt32()).ToList();

    private async Task<List<int>> CheckpointStepsAsync(int id) =>
        JsonDocument.Parse(await Api().GetStringAsync($"/api/runs/{id}/checkpoints")).RootElement
            .EnumerateArray().Select(c => c.GetProperty("step").GetInt32()).ToList();

    private async Task<JsonElement> WaitUntilEndedAsync(int id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement run;
        do
        {
            run = await RunAsync(id);
            if (Status(run) is "Completed" or "Failed" or "Cancelled") return run;
            await Task.Delay(200);
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"Run {id} did not end in {timeout.TotalSeconds} s: {run}");
    }

    /// <summary>The step a worker says it resumed a run at (<c>run N: resuming '…' at step S</c>).</summary>
    private static int ResumedAt(WorkerProcess worker, int id)
    {
        var m = System.Text.RegularExpressions.Regex.Match(worker.Output, $@"run {id}: resuming '[^']*' at step (\d+)");
        Assert.True(m.Success, $"{worker.Name} never resumed run {id}:\n{worker.Output}");
        return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task TwoWorkers_TrainTwoRunsAtOnce_AndAKilledWorkersRunResumesOnTheOtherFromItsLastCheckpoint()
    {
        // Long enough that an idle machine (a tiny model trains ~100 steps/s) is still far from the end when the
        // kill comes, after the second worker and run have started; a checkpoint every SaveSteps proves the resume point.
        const int Long = 3000, Short = 40, SaveSteps = 50;
        string key = await WorkerKeyAsync();
        var a = await StartWorkerAsync(key, "worker-a");
        int first = await LaunchSftAsync("on a", Tiny(Long, SaveSteps));
        await WaitForRunAsync(first, r => Status(r) == "Running" && Worker(r) == "worker-a", TimeSpan.FromSeconds(120));
        var b = await StartWorkerAsync(key, "worker-b");
        int second = await LaunchSftAsync("on b", Tiny(Short, 10));
        await WaitForRunAsync(second, r => Status(r) == "Running" && Worker(r) == "worker-b", TimeSpan.FromSeconds(120));
        // Both at once, each on its own worker.
        var firstNow = await RunAsync(first);
        Assert.Equal(("Running", "worker-a"), (Status(firstNow), Worker(firstNow)));
        var workers = JsonDocument.Parse(await Api().GetStringAsync("/api/workers")).RootElement.EnumerateArray().ToList();
        Assert.Contains(workers, w => w.GetProperty("name").GetString() == "worker-a" && w.GetProperty("online").GetBoolean()
            && w.GetProperty("runs").EnumerateArray().Any(r => r.GetProperty("id").GetInt32() == first));

        // Past two uploaded checkpoints, well before the end: SIGKILL worker a.
        await WaitForRunAsync(first, r => Step(r) >= 2 * SaveSteps + 5, TimeSpan.FromSeconds(240));
        for (var until = DateTime.UtcNow.AddSeconds(60); (await CheckpointStepsAsync(first)).Count < 2 && DateTime.UtcNow < until; ) await Task.Delay(200);
        var uploaded = await CheckpointStepsAsync(first);
        Assert.True(uploaded.Count >= 2, $"two checkpoints uploaded before the kill; found steps [{string.Join(", ", uploaded)}]");
        await a.KillAsync();
        int newestBeforeKill = (await CheckpointStepsAsync(first)).Max(), killedAt = Step(await RunAsync(first));
        Output!.WriteLine($"killed worker-a with run {first} at step {killedAt}, newest checkpoint {newestBeforeKill}");
        Assert.True(killedAt < Long - 2 * SaveSteps, $"killed at step {killedAt}: too close to the end to prove a resume");

        // The other worker finishes its own run, then resumes the orphan once its lease ran out.
        var done = await WaitUntilEndedAsync(first, TimeSpan.FromSeconds(480));
        Assert.True(Status(done) == "Completed", done.ToString());
        Assert.Equal(Long, Step(done));
        Assert.Equal("worker-b", Worker(done));
        Assert.Equal("Completed", Status(await RunAsync(second)));
        // From the newest checkpoint worker-a uploaded (one whose upload was under way at the kill may have landed too).
        int resumedAt = ResumedAt(b, first);
        Assert.InRange(resumedAt, newestBeforeKill, newestBeforeKill + SaveSteps);
        Assert.Equal(0, resumedAt % SaveSteps);
        Assert.Contains($"Resuming run {first}", App.Output);
        // One loss point per step: nothing the killed worker sent after its last checkpoint survives the resume.
        Assert.Equal(Enumerable.Range(1, Long), await LossStepsAsync(first));
        Assert.Equal(Enumerable.Range(1, Short), await LossStepsAsync(second));
        Assert.Contains(Long, await CheckpointStepsAsync(first));
    }

    [Fact]
    public async Task Cancel_IsPushedToTheWorker_WithoutWaitingForAHeartbeat()
    {
        // A heartbeat only every two minutes: within the minute below the cancel can only arrive by the server's push.
        await RestartAppAsync(Environment(leaseSeconds: 600, heartbeatSeconds: 120));
        var worker = await StartWorkerAsync(await WorkerKeyAsync(), "canceller");
        int id = await LaunchSftAsync("to cancel", Tiny(100000));
        await WaitForRunAsync(id, r => Status(r) == "Running" && Step(r) >= 3, TimeSpan.FromSeconds(120));
        var cancel = await Api().PostAsync($"/api/runs/{id}/cancel", null);
        Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());
        var run = await WaitUntilEndedAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal("Cancelled", Status(run));
        Assert.StartsWith("Cancelled at step", run.GetProperty("error").GetString());
        await worker.WaitForOutputAsync($"run {id}: cancelled", TimeSpan.FromSeconds(10));
        // The worker is free again: the next run trains on it.
        int next = await LaunchSftAsync("after the cancel", Tiny(5));
        Assert.Equal("Completed", Status(await WaitUntilEndedAsync(next, TimeSpan.FromSeconds(120))));
    }

    [Fact]
    public async Task OnlyWorkerKeys_ReachTheEngineHub_AndAWorkerKeyReachesNothingElse()
    {
        string workerKey = await WorkerKeyAsync();
        var (labelerId, _) = await CreateUserAsync("labeler", "Labeler", "labeler-password-1");
        var labeler = await KeyForAsync(labelerId);
        var worker = Api(workerKey);

        Assert.Equal(HttpStatusCode.Forbidden, (await Api().PostAsync("/hubs/engine/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await labeler.PostAsync("/hubs/engine/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await worker.PostAsync("/hubs/engine/negotiate?negotiateVersion=1", null)).StatusCode);

        foreach (string path in new[] { "/api/runs", "/api/projects", "/api/datasets", "/api/users", "/api/workers", "/api/checkpoints" })
            Assert.True((await worker.GetAsync(path)).StatusCode == HttpStatusCode.Forbidden, $"GET {path} with a Worker key");
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.PostAsync("/hubs/runs/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.PostAsJsonAsync("/api/runs", new { name = "x", algorithm = "sft" })).StatusCode);

        // lna worker with an admin's key says what is wrong and how to fix it.
        var refused = await StartWorkerAsync(AdminKey, "not-a-worker", waitConnected: false);
        await refused.WaitForOutputAsync("is not a Worker account's", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task AWorkerThatLosesTheServer_KeepsTraining_AndReconnects_WithNoStepLostOrTwice()
    {
        const int Steps = 200;
        await RestartAppAsync(Environment(leaseSeconds: 120)); // the lease outlasts the outage
        var worker = await StartWorkerAsync(await WorkerKeyAsync(), "steady");
        int id = await LaunchSftAsync("through an outage", Tiny(Steps));
        await WaitForRunAsync(id, r => Status(r) == "Running" && Step(r) >= 10, TimeSpan.FromSeconds(120));

        int mark = worker.Output.Length; // before the kill: the worker may notice before KillAsync returns
        await App.KillAsync();
        await worker.WaitForOutputAsync("lost the server", TimeSpan.FromSeconds(30), mark);
        await Task.Delay(TimeSpan.FromSeconds(3)); // it trains on meanwhile, buffering what it would send
        App = await AppProcess.StartAsync(Environment(leaseSeconds: 120), App.DataDirectory, App.BaseUrl);
        await worker.WaitForOutputAsync("connected to", TimeSpan.FromSeconds(60), mark);

        var done = await WaitUntilEndedAsync(id, TimeSpan.FromSeconds(300));
        Assert.True(Status(done) == "Completed", done.ToString());
        Assert.Equal("steady", Worker(done));
        // It kept its lease through the outage: never requeued, never resumed.
        Assert.DoesNotContain($"Resuming run {id}", App.Output);
        Assert.DoesNotContain("resuming", worker.Output);
        Assert.Equal(Enumerable.Range(1, Steps), await LossStepsAsync(id));
    }

    [Fact]
    public async Task AWorkerRestartedUnderItsName_TakesItsRunBackAtOnce_FromItsLastCheckpoint()
    {
        // Leases far longer than the test: only the restarted worker's hello can free the run this soon.
        await RestartAppAsync(Environment(leaseSeconds: 900));
        const int Steps = 120;
        string key = await WorkerKeyAsync();
        var first = await StartWorkerAsync(key, "phoenix");
        int id = await LaunchSftAsync("restarted worker", Tiny(Steps));
        await WaitForRunAsync(id, r => Step(r) >= 15, TimeSpan.FromSeconds(120));
        for (var until = DateTime.UtcNow.AddSeconds(60); (await CheckpointStepsAsync(id)).Count == 0 && DateTime.UtcNow < until; ) await Task.Delay(200);
        await first.KillAsync();
        int newest = (await CheckpointStepsAsync(id)).Max();

        var again = await StartWorkerAsync(key, "phoenix");
        var done = await WaitUntilEndedAsync(id, TimeSpan.FromSeconds(300));
        Assert.True(Status(done) == "Completed", done.ToString());
        Assert.InRange(ResumedAt(again, id), newest, newest + 10);
        Assert.Equal(Enumerable.Range(1, Steps), await LossStepsAsync(id));
        Assert.Contains("Its worker phoenix restarted at step", App.Output);
    }

    [Fact]
    public async Task WhileLabelersWork_AWorkerOnThisMachineLeavesACore_UnlessItsComputeThreadsGiveWayAlready()
    {
        int cores = System.Environment.ProcessorCount;
        Assert.True(cores > 1, "a worker leaves a core only where it has more than one; run this on 2 cores or more");
        string key = await WorkerKeyAsync();
        var plain = await StartWorkerAsync(key, "plain");
        var idle = await StartWorkerAsync(key, "idle", options: ["--sched-idle"]);
        Assert.Contains("compute threads run under SCHED_IDLE", idle.Output);

        // A labeler takes an item: labelers are at work on this app.
        var created = await Api().PostAsJsonAsync("/api/projects", new { name = "busy", labelsPerItem = 1 });
        int project = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        var import = await Api().PostAsync($"/api/projects/{project}/items",
            new StringContent("{\"prompt\":\"p\",\"response_a\":\"a\",\"response_b\":\"b\"}\n", System.Text.Encoding.UTF8, "application/x-ndjson"));
        Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());
        var (labelerId, email) = await CreateUserAsync("labeler", "Labeler", "labeler-password");
        Assert.True((await Api().PostAsJsonAsync($"/api/projects/{project}/members", new { email, role = "Labeler" })).IsSuccessStatusCode);
        var labeler = await KeyForAsync(labelerId);
        var next = await labeler.PostAsync($"/api/projects/{project}/assignments/next", null);
        Assert.True(next.IsSuccessStatusCode, await next.Content.ReadAsStringAsync());

        // Told at their next heartbeat: the plain worker sits a thread out; the one under SCHED_IDLE needs not.
        await plain.WaitForOutputAsync($"labelers are at work on this machine: computing on {cores - 1} of {cores} threads", TimeSpan.FromSeconds(30));
        await idle.WaitForOutputAsync($"labelers are at work on this machine: computing on all {cores} threads, which give way to them (SCHED_IDLE)", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain($"computing on {cores - 1} of {cores} threads", idle.Output);
    }

    [Fact]
    public async Task WithNoWorker_ALaunchedRunStaysQueued_UntilAWorkerConnects()
    {
        int id = await LaunchSftAsync("waiting", Tiny(5));
        await Task.Delay(TimeSpan.FromSeconds(6));
        var waiting = await RunAsync(id);
        Assert.Equal(("Queued", 0), (Status(waiting), Step(waiting)));
        Assert.Empty(await LossStepsAsync(id));
        Assert.Contains("Training:LocalWorkers is 0", App.Output);

        await StartWorkerAsync(await WorkerKeyAsync(), "late");
        Assert.Equal("Completed", Status(await WaitUntilEndedAsync(id, TimeSpan.FromSeconds(120))));
    }
}
