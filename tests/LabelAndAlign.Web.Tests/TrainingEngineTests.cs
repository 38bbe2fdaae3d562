using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// The training engine end to end through the API, as installed by default (<see cref="WorkerHost"/>): the app on a
/// real port with its local worker (<c>lna worker</c>, a child process) training over the engine protocol. A tiny SFT run goes Queued →
/// Running → Completed with its metrics stored; cancel stops a running run; a run paused by a stopped host resumes
/// from its checkpoint in a new host over the same database and folder.
/// </summary>
public sealed class TrainingEngineTests : IDisposable
{
    private readonly TestDatabase _db = new(migrate: false);

    public void Dispose() => _db.Dispose();

    private static async Task<int> DatasetAsync(HttpClient api, string name = "arithmetic · SFT corpus")
    {
        var list = await api.GetFromJsonAsync<JsonElement>("/api/datasets");
        return list.EnumerateArray().First(d => d.GetProperty("name").GetString() == name).GetProperty("id").GetInt32();
    }

    private static async Task<int> LaunchAsync(HttpClient api, object config, string name = "tiny-sft", int? baseCheckpointId = null)
    {
        var response = await api.PostAsJsonAsync("/api/runs", new { name, algorithm = "sft", config, source = new { datasetId = await DatasetAsync(api) }, baseCheckpointId });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt32();
    }

    private static async Task<JsonElement> WaitAsync(HttpClient api, int id, Func<JsonElement, bool> until, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        JsonElement run;
        do
        {
            run = await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}");
            if (until(run)) return run;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"run {id} never reached the expected state: {run}");
    }

    private static string Status(JsonElement run) => run.GetProperty("status").GetString()!;

    private static async Task<List<int>> LossStepsAsync(HttpClient api, int id) =>
        (await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}/metrics?name=loss&maxPoints=100000"))
            .EnumerateArray().Select(p => p.GetProperty("step").GetInt32()).ToList();

    [Fact]
    public async Task TinySftRun_GoesQueuedRunningCompleted_StoresMetricsSamplesAndCheckpoints()
    {
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        int id = await LaunchAsync(api, new { max_steps = 12, per_device_train_batch_size = 4, learning_rate = 0.003, save_steps = 6, max_length = 32 });
        var first = await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}");
        Assert.Contains(Status(first), new[] { "Queued", "Running" });

        var done = await WaitAsync(api, id, r => Status(r) is "Completed" or "Failed");
        Assert.True(Status(done) == "Completed", done.ToString());
        Assert.Equal(12, done.GetProperty("step").GetInt32());
        Assert.True(done.GetProperty("startedAt").ValueKind == JsonValueKind.String);
        Assert.True(done.GetProperty("finishedAt").ValueKind == JsonValueKind.String);

        var names = (await api.GetFromJsonAsync<string[]>($"/api/runs/{id}/metrics"))!;
        Assert.Contains("loss", names);
        Assert.Contains("mean_token_accuracy", names);
        Assert.Equal(Enumerable.Range(1, 12), await LossStepsAsync(api, id));
        var downsampled = await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}/metrics?name=loss&maxPoints=6");
        Assert.InRange(downsampled.GetArrayLength(), 1, 6);
        Assert.Equal(12, downsampled.EnumerateArray().Last().GetProperty("step").GetInt32());

        var checkpoints = await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}/checkpoints");
        Assert.Contains(checkpoints.EnumerateArray(), c => c.GetProperty("step").GetInt32() == 12);
        int checkpointId = checkpoints.EnumerateArray().First().GetProperty("id").GetInt32();
        var zip = await api.GetAsync($"/api/checkpoints/{checkpointId}/download");
        Assert.Equal("application/zip", zip.Content.Headers.ContentType?.MediaType);
        using (var archive = new System.IO.Compression.ZipArchive(await zip.Content.ReadAsStreamAsync()))
        {
            var files = archive.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("model.safetensors", files);
            Assert.Contains("config.json", files);
            Assert.Contains("tokenizer.json", files);
            Assert.DoesNotContain("optimizer.safetensors", files);
        }
        var samples = await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}/samples");
        Assert.True(samples.GetArrayLength() > 0, "samples are taken at each checkpoint");
    }

    [Fact]
    public async Task Cancel_RunningRun_EndsCancelled_WithTheStep()
    {
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        int id = await LaunchAsync(api, new { max_steps = 100000, per_device_train_batch_size = 4, learning_rate = 0.003, max_length = 32 });
        await WaitAsync(api, id, r => r.GetProperty("step").GetInt32() >= 3);
        var cancel = await api.PostAsync($"/api/runs/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var run = await WaitAsync(api, id, r => Status(r) != "Running", 60);
        Assert.Equal("Cancelled", Status(run));
        Assert.StartsWith("Cancelled at step", run.GetProperty("error").GetString());
        // A finished run cannot be cancelled again.
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"/api/runs/{id}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task Cancel_QueuedRun_NeverStarts()
    {
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        int busy = await LaunchAsync(api, new { max_steps = 100000, per_device_train_batch_size = 4, max_length = 32 }, "busy");
        int queued = await LaunchAsync(api, new { max_steps = 5, per_device_train_batch_size = 4, max_length = 32 }, "queued");
        await WaitAsync(api, busy, r => Status(r) == "Running");
        Assert.Equal("Queued", Status(await api.GetFromJsonAsync<JsonElement>($"/api/runs/{queued}"))); // MaxConcurrentRuns = 1
        await api.PostAsync($"/api/runs/{queued}/cancel", null);
        Assert.Equal("Cancelled", Status(await api.GetFromJsonAsync<JsonElement>($"/api/runs/{queued}")));
        await api.PostAsync($"/api/runs/{busy}/cancel", null);
        await WaitAsync(api, busy, r => Status(r) == "Cancelled", 60);
        Assert.Equal(0, (await api.GetFromJsonAsync<JsonElement>($"/api/runs/{queued}")).GetProperty("step").GetInt32());
    }

    [Fact]
    public async Task RunningRun_HostStopped_ResumesFromItsCheckpointInANewHost()
    {
        int id, stoppedAt;
        using (var host = new WorkerHost(_db))
        using (var api = host.Api())
        {
            id = await LaunchAsync(api, new { max_steps = 100000, per_device_train_batch_size = 4, learning_rate = 0.003, save_steps = 10, max_length = 32 });
            await WaitAsync(api, id, r => r.GetProperty("step").GetInt32() >= 25);
        }
        // The stopped host's worker saved and uploaded a checkpoint on the way out and put the run back in the queue.
        Assert.Equal(0, Attempts(id)); // a clean stop
        using (var host = new WorkerHost(_db))
        using (var api = host.Api())
        {
            var before = await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}");
            stoppedAt = before.GetProperty("step").GetInt32();
            Assert.Contains(Status(before), new[] { "Queued", "Running" }); // the new host's worker may have taken it already
            Assert.Contains(stoppedAt, CheckpointSteps(id));
            var resumed = await WaitAsync(api, id, r => r.GetProperty("step").GetInt32() > stoppedAt + 5);
            Assert.Equal("Running", Status(resumed));
            var steps = await LossStepsAsync(api, id);
            Assert.Equal(Enumerable.Range(1, steps.Count), steps); // continued, not restarted, no duplicates
            await api.PostAsync($"/api/runs/{id}/cancel", null);
            await WaitAsync(api, id, r => Status(r) == "Cancelled", 60);
        }
    }

    [Fact]
    public async Task RunThatThrows_EndsFailedNamingTheCause_AndTheNextQueuedRunStartsAndCompletes()
    {
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        int basis = await CompletedCheckpointAsync(api, await LaunchAsync(api, new { max_steps = 2, per_device_train_batch_size = 4, max_length = 32 }, "base"));
        // Its weights cut short on disk: the next run that starts from it cannot load them.
        string folder = Path.Combine(_db.Directory, CheckpointPath(basis));
        File.WriteAllBytes(Path.Combine(folder, "model.safetensors"), [1, 2, 3]);
        int broken = await LaunchAsync(api, new { max_steps = 6, per_device_train_batch_size = 4, max_length = 32 }, "from-a-broken-base", basis);
        int next = await LaunchAsync(api, new { max_steps = 6, per_device_train_batch_size = 4, max_length = 32 }, "next"); // queued behind it (MaxConcurrentRuns = 1)

        var failed = await WaitAsync(api, broken, r => Status(r) is not ("Queued" or "Running"));
        Assert.Equal("Failed", Status(failed));
        Assert.Contains("model.safetensors", failed.GetProperty("error").GetString());
        Assert.True(failed.GetProperty("finishedAt").ValueKind == JsonValueKind.String);

        var done = await WaitAsync(api, next, r => Status(r) is "Completed" or "Failed" or "Cancelled");
        Assert.True(Status(done) == "Completed", done.ToString());
        Assert.Equal(6, done.GetProperty("step").GetInt32());
    }

    private string CheckpointPath(int checkpointId)
    {
        using var ctx = _db.CreateContext();
        return ctx.RunCheckpoints.Where(c => c.Id == checkpointId).Select(c => c.Path).Single();
    }

    [Fact]
    public async Task CheckpointFolderUnwritable_FailsTheRunWithAClearMessage_RecordsNoCheckpoint_AndTheQueueMovesOn()
    {
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        // Hold the queue so the blocked run's folder can be prepared before it starts.
        int busy = await LaunchAsync(api, new { max_steps = 100000, per_device_train_batch_size = 4, max_length = 32 }, "busy");
        await WaitAsync(api, busy, r => Status(r) == "Running");
        int blocked = await LaunchAsync(api, new { max_steps = 30, per_device_train_batch_size = 4, save_steps = 5, max_length = 32 }, "blocked");
        int next = await LaunchAsync(api, new { max_steps = 6, per_device_train_batch_size = 4, save_steps = 3, max_length = 32 }, "next");
        // A file where the run's checkpoints folder goes: no checkpoint can be written (root ignores chmod, not this).
        string runDir = Path.Combine(_db.Directory, "runs", blocked.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(runDir);
        string checkpoints = Path.Combine(runDir, "checkpoints");
        await File.WriteAllTextAsync(checkpoints, "in the way");
        await api.PostAsync($"/api/runs/{busy}/cancel", null);

        var failed = await WaitAsync(api, blocked, r => Status(r) is not ("Queued" or "Running"));
        Assert.Equal("Failed", Status(failed));
        string error = failed.GetProperty("error").GetString()!;
        Assert.StartsWith($"Could not write checkpoint to {Path.Combine(checkpoints, "checkpoint-5")}: ", error);
        Assert.True(error.Length > $"Could not write checkpoint to {Path.Combine(checkpoints, "checkpoint-5")}: ".Length, error);
        Assert.Equal(5, failed.GetProperty("step").GetInt32()); // the steps it did train are kept, not rolled back
        Assert.Equal(0, CheckpointRows(blocked));
        Assert.Empty((await api.GetFromJsonAsync<JsonElement>($"/api/runs/{blocked}/checkpoints")).EnumerateArray());
        Assert.True(File.Exists(checkpoints)); // nothing half-written replaced it

        // The app keeps serving and the queue moves on.
        var done = await WaitAsync(api, next, r => Status(r) is "Completed" or "Failed" or "Cancelled");
        Assert.True(Status(done) == "Completed", done.ToString());
        Assert.Equal(2, CheckpointRows(next));
    }

    [Fact]
    public async Task QueuedRunThatCannotBeLoaded_EndsFailed_AndTheEngineKeepsServingTheQueue()
    {
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        int busy = await LaunchAsync(api, new { max_steps = 100000, per_device_train_batch_size = 4, max_length = 32 }, "busy");
        await WaitAsync(api, busy, r => Status(r) == "Running");
        int broken = await LaunchAsync(api, new { max_steps = 6, per_device_train_batch_size = 4, max_length = 32 }, "broken");
        int next = await LaunchAsync(api, new { max_steps = 6, per_device_train_batch_size = 4, max_length = 32 }, "next");
        // A row the engine cannot read (an unexpected exception while loading, not a validation error).
        SetRun(broken, u => u.SetProperty(r => r.ConfigJson, "null"));
        await api.PostAsync($"/api/runs/{busy}/cancel", null);

        var failed = await WaitAsync(api, broken, r => Status(r) is not ("Queued" or "Running"));
        Assert.Equal("Failed", Status(failed));
        Assert.Contains("NullReferenceException", failed.GetProperty("error").GetString());
        var done = await WaitAsync(api, next, r => Status(r) is "Completed" or "Failed" or "Cancelled");
        Assert.True(Status(done) == "Completed", done.ToString());
    }

    [Fact]
    public async Task HalfWrittenOrUnrecordedCheckpointFolders_AreNeverResumedFrom_TheNewestRecordedOneIs()
    {
        int id;
        using (var host = new WorkerHost(_db))
        using (var api = host.Api())
        {
            id = await LaunchAsync(api, new { max_steps = 100000, per_device_train_batch_size = 4, learning_rate = 0.003, save_steps = 10, save_total_limit = 0, max_length = 32 });
            await WaitAsync(api, id, r => r.GetProperty("step").GetInt32() >= 12);
        }
        // What a kill of the app mid-upload could leave in its data folder: an upload being unpacked, a folder put in
        // place whose row was never committed (newer than any recorded one), and a truncated one.
        string root = Path.Combine(_db.Directory, "runs", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "checkpoints");
        var recorded = CheckpointSteps(id);
        int newest = recorded.Max();
        Directory.CreateDirectory(Path.Combine(root, $"checkpoint-{newest + 10}.upload-0123"));
        CopyFolder(Path.Combine(root, $"checkpoint-{newest}"), Path.Combine(root, "checkpoint-900000"));
        Directory.CreateDirectory(Path.Combine(root, "checkpoint-900001"));
        await File.WriteAllTextAsync(Path.Combine(root, "checkpoint-900001", "model.safetensors"), "truncated");
        using (var host = new WorkerHost(_db))
        using (var api = host.Api())
        {
            await WaitAsync(api, id, r => Status(r) == "Running" && r.GetProperty("step").GetInt32() > newest + 2);
            var steps = await LossStepsAsync(api, id);
            Assert.Equal(Enumerable.Range(1, steps.Count), steps); // resumed from step {newest}: continued, no step twice
            Assert.Equal(0, CheckpointRows(id, 900000));
            Assert.Equal(0, CheckpointRows(id, 900001));
            await api.PostAsync($"/api/runs/{id}/cancel", null);
            var run = await WaitAsync(api, id, r => Status(r) != "Running", 60);
            Assert.Equal("Cancelled", Status(run));
        }
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    private List<int> CheckpointSteps(int runId)
    {
        using var ctx = _db.CreateContext();
        return ctx.RunCheckpoints.Where(c => c.RunId == runId).OrderBy(c => c.Step).Select(c => c.Step).ToList();
    }

    private int CheckpointRows(int runId, int? step = null)
    {
        using var ctx = _db.CreateContext();
        return ctx.RunCheckpoints.Count(c => c.RunId == runId && (step == null || c.Step == step));
    }

    /// <summary>Changes a run's row straight in the database (what a crash or a tampered row leaves).</summary>
    private void SetRun(int runId, Action<UpdateSettersBuilder<Data.Runs.Run>> set)
    {
        using var ctx = _db.CreateContext();
        ctx.Runs.Where(r => r.Id == runId).ExecuteUpdate(set);
    }

    [Fact]
    public async Task Run_WithADatasetOfTheWrongKind_IsRefused_NamingTheSource()
    {
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        int prompts = await DatasetAsync(api, "arithmetic · prompts");
        var response = await api.PostAsJsonAsync("/api/runs", new { name = "x", algorithm = "sft", config = new { }, source = new { datasetId = prompts } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("source.datasetId", out _), errors.ToString());
    }

    private static async Task<int> PostRunAsync(HttpClient api, object body)
    {
        var response = await api.PostAsJsonAsync("/api/runs", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetInt32();
    }

    private static async Task<int> CompletedCheckpointAsync(HttpClient api, int runId)
    {
        var done = await WaitAsync(api, runId, r => Status(r) is "Completed" or "Failed" or "Cancelled");
        Assert.True(Status(done) == "Completed", done.ToString());
        return (await api.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/checkpoints")).EnumerateArray().First().GetProperty("id").GetInt32();
    }

    private static async Task AssertRefusedAsync(HttpClient api, object body, string field)
    {
        var response = await api.PostAsJsonAsync("/api/runs", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
    }

    [Fact]
    public async Task PpoRun_ScoredByARewardRunsCheckpoint_Completes_RecordingObjectiveScores()
    {
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        int policy = await CompletedCheckpointAsync(api, await LaunchAsync(api, new { max_steps = 2, per_device_train_batch_size = 4, save_steps = 2, max_length = 32 }, "base"));

        string jsonl = string.Join("\n", Enumerable.Range(1, 4).Select(i => $$"""{"prompt": "{{i}}+1=", "chosen": "{{i + 1}}", "rejected": "{{i + 2}}"}"""));
        var imported = await api.PostAsync("/api/datasets?name=prefs", new StringContent(jsonl, System.Text.Encoding.UTF8, "application/x-ndjson"));
        string importedText = await imported.Content.ReadAsStringAsync();
        Assert.True(imported.StatusCode == HttpStatusCode.OK, importedText);
        int prefs = JsonDocument.Parse(importedText).RootElement.GetProperty("id").GetInt32();
        int reward = await CompletedCheckpointAsync(api, await PostRunAsync(api, new
        {
            name = "rm", algorithm = "reward", config = new { max_steps = 2, per_device_train_batch_size = 4, save_steps = 2 },
            source = new { datasetId = prefs }, baseCheckpointId = policy,
        }));

        int prompts = await DatasetAsync(api, "arithmetic · prompts");
        var ppoConfig = new { max_steps = 2, per_device_train_batch_size = 2, num_ppo_epochs = 1, max_completion_length = 6, save_steps = 2 };
        // Imported prompts have no task pack to score them: PPO needs the reward model there.
        var ownPrompts = await api.PostAsync("/api/datasets?name=own-prompts", new StringContent("{\"prompt\": \"1+1=\"}\n{\"prompt\": \"2+2=\"}", System.Text.Encoding.UTF8, "application/x-ndjson"));
        int own = JsonDocument.Parse(await ownPrompts.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
        await AssertRefusedAsync(api, new { name = "ppo", algorithm = "ppo", config = ppoConfig, source = new { datasetId = own }, baseCheckpointId = policy }, "rewardCheckpointId");
        await AssertRefusedAsync(api, new { name = "ppo", algorithm = "ppo", config = ppoConfig, source = new { datasetId = prompts }, baseCheckpointId = policy, rewardCheckpointId = policy }, "rewardCheckpointId");

        int ppo = await PostRunAsync(api, new { name = "ppo", algorithm = "ppo", config = ppoConfig, source = new { datasetId = prompts }, baseCheckpointId = policy, rewardCheckpointId = reward });
        var done = await WaitAsync(api, ppo, r => Status(r) is "Completed" or "Failed" or "Cancelled");
        Assert.True(Status(done) == "Completed", done.ToString());
        Assert.Equal(reward, done.GetProperty("rewardCheckpointId").GetInt32());
        Assert.Equal(reward, done.GetProperty("lineage").GetProperty("rewardCheckpointId").GetInt32());
        Assert.Contains("objective/scores", (await api.GetFromJsonAsync<string[]>($"/api/runs/{ppo}/metrics"))!);
    }

    private long Attempts(int runId)
    {
        using var ctx = _db.CreateContext();
        return ctx.Runs.Where(r => r.Id == runId).Select(r => r.Attempts).Single();
    }

    [Fact]
    public async Task RunInterruptedMaxAttemptsTimesInARow_FailsWithTheReason_InsteadOfResumingForever()
    {
        int id;
        using (var host = new WorkerHost(_db))
        using (var api = host.Api())
        {
            id = await LaunchAsync(api, new { max_steps = 100000, per_device_train_batch_size = 4, save_steps = 5, max_length = 32 });
            await WaitAsync(api, id, r => r.GetProperty("step").GetInt32() >= 6);
            Assert.Equal(1, Attempts(id));
        }
        Assert.Equal(0, Attempts(id)); // a clean stop is not a crash
        SetRun(id, u => u.SetProperty(r => r.Attempts, 2)); // as two starts that were killed would leave it
        using (var host = new WorkerHost(_db))
        using (var api = host.Api())
        {
            int before = (await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}")).GetProperty("step").GetInt32();
            await WaitAsync(api, id, r => r.GetProperty("step").GetInt32() > before + 2); // under the limit: resumed
            Assert.Equal(3, Attempts(id));
        }
        SetRun(id, u => u.SetProperty(r => r.Attempts, 3)); // and the third start was killed too
        using (var host = new WorkerHost(_db))
        using (var api = host.Api())
        {
            // Paused by the stopped host, it waits in the queue until the new host's worker asks for it.
            var failed = await WaitAsync(api, id, r => Status(r) is not ("Running" or "Queued"));
            Assert.Equal("Failed", Status(failed));
            string error = failed.GetProperty("error").GetString()!;
            Assert.StartsWith("Training stopped without finishing this run 3 times in a row", error);
            Assert.Contains("Training:MaxAttempts = 3", error);
            Assert.Contains("per_device_train_batch_size", error);
        }
    }

    [Fact]
    public async Task EvalSteps_SamplesAndEvalMetricsAppearAtThatInterval()
    {
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        int id = await LaunchAsync(api, new { max_steps = 9, per_device_train_batch_size = 4, save_steps = 0, eval_steps = 3, max_length = 32 });
        var done = await WaitAsync(api, id, r => Status(r) is "Completed" or "Failed");
        Assert.True(Status(done) == "Completed", done.ToString());
        var samples = await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}/samples");
        Assert.Equal([3, 6, 9], samples.EnumerateArray().Select(s => s.GetProperty("step").GetInt32()).Distinct());
        var length = await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}/metrics?name=eval/completions/mean_length");
        Assert.Equal([3, 6, 9], length.EnumerateArray().Select(p => p.GetProperty("step").GetInt32()));
    }

    [Fact]
    public async Task RunFromABaseCheckpoint_RecordsTheBasesModel_AndRefusesAnotherSize()
    {
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        int basis = await CompletedCheckpointAsync(api, await LaunchAsync(api, new { model = "small", max_steps = 2, per_device_train_batch_size = 4, max_length = 32 }, "small-base"));
        int id = await LaunchAsync(api, new { max_steps = 2, per_device_train_batch_size = 4, max_length = 32 }, "from-small", basis);
        var config = (await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}")).GetProperty("config");
        Assert.Equal("small", config.GetProperty("model").GetString());
        Assert.Equal(JsonValueKind.Null, config.GetProperty("n_embd").ValueKind);
        var refused = await api.PostAsJsonAsync("/api/runs", new
        {
            name = "tiny-from-small", algorithm = "sft", config = new { model = "tiny" }, source = new { datasetId = await DatasetAsync(api) }, baseCheckpointId = basis,
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("the base checkpoint decides the model (128 positions, n_embd 256, 4 layers, 4 heads)", errors.GetProperty("config.model")[0].GetString());
        var done = await WaitAsync(api, id, r => Status(r) is "Completed" or "Failed");
        Assert.True(Status(done) == "Completed", done.ToString());
    }

    [Fact]
    public async Task Cancel_DuringAHugeStep_StopsWithoutFinishingIt()
    {
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        // 65,536 examples a step (the most a step may hold): one step takes far longer than a cancel may.
        int id = await LaunchAsync(api, new { max_steps = 10, per_device_train_batch_size = 1024, gradient_accumulation_steps = 64, max_length = 32 });
        await WaitAsync(api, id, r => Status(r) == "Running");
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/runs/{id}/cancel", null)).StatusCode);
        var run = await WaitAsync(api, id, r => Status(r) != "Running", 120);
        Assert.Equal("Cancelled", Status(run));
        Assert.Equal("Cancelled at step 0.", run.GetProperty("error").GetString());
        Assert.Equal(0, run.GetProperty("step").GetInt32());
    }

    [Fact]
    public async Task CheckpointsDeletedBySaveTotalLimit_LeaveThePickers_AndSamplesSayWhy()
    {
        using var host = new WorkerHost(_db);
        using var api = host.Api();
        int id = await LaunchAsync(api, new { max_steps = 6, per_device_train_batch_size = 4, save_steps = 2, save_total_limit = 1, max_length = 32 });
        var done = await WaitAsync(api, id, r => Status(r) is "Completed" or "Failed");
        Assert.True(Status(done) == "Completed", done.ToString());
        Assert.Equal(3, CheckpointRows(id)); // steps 2, 4 and 6 were recorded; 2 and 4 deleted since

        var picker = await host.Service(sp => sp.GetRequiredService<Services.Labeling.CandidateGenerator>().CheckpointsAsync());
        Assert.Equal([$"run {id} · step 6"], picker.Select(c => c.Name));
        Assert.Equal([6], (await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}/checkpoints")).EnumerateArray().Select(c => c.GetProperty("step").GetInt32()));
        var steps = await host.Service(sp => sp.GetRequiredService<Services.Runs.RunService>().SampleStepsAsync(id));
        Assert.Equal([(2, true), (4, true), (6, false)], steps.Select(s => (s.Step, s.CheckpointDeleted)));
        Assert.NotNull(steps[^1].CheckpointId);
    }
}
