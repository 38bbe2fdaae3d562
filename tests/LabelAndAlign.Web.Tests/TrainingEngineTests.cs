using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// The hosted engine end to end through the API: a tiny SFT run goes Queued → Running →
/// Completed with its metrics stored; cancel stops a running run; a run left Running by a
/// stopped host resumes from its checkpoint in a new host over the same database and folder.
/// </summary>
public sealed class TrainingEngineTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "lna-engine-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The app over a given data folder, so a second host can reopen the first one's database.</summary>
    private sealed class Host(string dataDirectory) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("ConnectionStrings:Default", $"Data Source={Path.Combine(dataDirectory, "test.db")}");
            builder.UseSetting("Bootstrap:AdminEmail", AppFactory.AdminEmail);
            builder.UseSetting("Bootstrap:AdminPassword", AppFactory.AdminPassword);
            builder.UseSetting("Bootstrap:ApiKey", AppFactory.AdminKey);
            builder.UseSetting("Training:PollInterval", "00:00:00.200");
            builder.UseEnvironment("Development");
        }

        public HttpClient Api()
        {
            var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AppFactory.AdminKey);
            return client;
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    private static async Task<int> DatasetAsync(HttpClient api, string name = "arithmetic · SFT corpus")
    {
        var list = await api.GetFromJsonAsync<JsonElement>("/api/datasets");
        return list.EnumerateArray().First(d => d.GetProperty("name").GetString() == name).GetProperty("id").GetInt32();
    }

    private static async Task<int> LaunchAsync(HttpClient api, object config, string name = "tiny-sft")
    {
        var response = await api.PostAsJsonAsync("/api/runs", new { name, algorithm = "sft", config, source = new { datasetId = await DatasetAsync(api) } });
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
        using var host = new Host(_data);
        using var api = host.Api();
        int id = await LaunchAsync(api, new { max_steps = 12, batch_size = 4, learning_rate = 0.003, save_every = 6, max_length = 32 });
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
        using var host = new Host(_data);
        using var api = host.Api();
        int id = await LaunchAsync(api, new { max_steps = 100000, batch_size = 4, learning_rate = 0.003, max_length = 32 });
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
        using var host = new Host(_data);
        using var api = host.Api();
        int busy = await LaunchAsync(api, new { max_steps = 100000, batch_size = 4, max_length = 32 }, "busy");
        int queued = await LaunchAsync(api, new { max_steps = 5, batch_size = 4, max_length = 32 }, "queued");
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
        using (var host = new Host(_data))
        using (var api = host.Api())
        {
            id = await LaunchAsync(api, new { max_steps = 100000, batch_size = 4, learning_rate = 0.003, save_every = 10, max_length = 32 });
            await WaitAsync(api, id, r => r.GetProperty("step").GetInt32() >= 25);
        }
        // The stopped host saved a checkpoint on the way out and left the run Running.
        using (var host = new Host(_data))
        using (var api = host.Api())
        {
            var before = await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}");
            stoppedAt = before.GetProperty("step").GetInt32();
            Assert.Equal("Running", Status(before));
            var resumed = await WaitAsync(api, id, r => r.GetProperty("step").GetInt32() > stoppedAt + 5);
            Assert.Equal("Running", Status(resumed));
            var steps = await LossStepsAsync(api, id);
            Assert.Equal(Enumerable.Range(1, steps.Count), steps); // continued, not restarted, no duplicates
            await api.PostAsync($"/api/runs/{id}/cancel", null);
            await WaitAsync(api, id, r => Status(r) == "Cancelled", 60);
        }
    }

    [Fact]
    public async Task Run_WithADatasetOfTheWrongKind_IsRefused_NamingTheSource()
    {
        using var host = new Host(_data);
        using var api = host.Api();
        int prompts = await DatasetAsync(api, "arithmetic · prompts");
        var response = await api.PostAsJsonAsync("/api/runs", new { name = "x", algorithm = "sft", config = new { }, source = new { datasetId = prompts } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("source.datasetId", out _), errors.ToString());
    }
}
