using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// Training survives its process dying: a small SFT run is SIGKILLed mid-run (after at least one
/// checkpoint), the server is restarted over the same data folder, and the run finishes on its
/// own, continuing from its newest checkpoint rather than from step 0.
/// </summary>
public sealed class TrainingFaultTests(ITestOutputHelper output)
{
    private const string AdminKey = "fault-test-admin-key-0123456789";
    private const int MaxSteps = 400;
    private const int SaveEvery = 20;

    private static readonly Dictionary<string, string> Environment = WithOneRunAtATime(AppProcess.BootstrapAdmin("admin@example.com", "fault-test-admin-password", AdminKey));

    private static Dictionary<string, string> WithOneRunAtATime(Dictionary<string, string> environment)
    {
        environment["Training__MaxConcurrentRuns"] = "1";
        return environment;
    }

    private static HttpClient Client(string baseUrl)
    {
        var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return http;
    }

    private static async Task<JsonElement> GetRunAsync(HttpClient api, int id) =>
        JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{id}")).RootElement;

    private static async Task<JsonElement> WaitForRunAsync(HttpClient api, int id, Func<JsonElement, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement run;
        do
        {
            run = await GetRunAsync(api, id);
            if (condition(run)) return run;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"Run {id} did not reach the expected state: {run}");
    }

    private static async Task<List<int>> CheckpointStepsAsync(HttpClient api, int id) =>
        JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{id}/checkpoints")).RootElement
            .EnumerateArray().Select(c => c.GetProperty("step").GetInt32()).ToList();

    [Fact]
    public async Task RunKilledMidTraining_ResumesFromItsCheckpointAndCompletesOnRestart()
    {
        string data = Path.Combine(Path.GetTempPath(), "lna-fault", Guid.NewGuid().ToString("N"));
        var app = await AppProcess.StartAsync(Environment, data);
        try
        {
            int id, killedAt, savedBeforeKill;
            double killTime;
            using (var api = Client(app.BaseUrl))
            {
                var lines = new StringBuilder();
                for (int a = 0; a < 8; a++)
                    for (int b = 0; b < 8; b++)
                        lines.AppendLine(JsonSerializer.Serialize(new { prompt = $"{a}+{b}=", completion = $"{a + b}" }));
                var dataset = await api.PostAsync("/api/datasets?name=fault-sft", new StringContent(lines.ToString(), Encoding.UTF8, "application/x-ndjson"));
                Assert.True(dataset.IsSuccessStatusCode, await dataset.Content.ReadAsStringAsync());
                int datasetId = (await dataset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();

                var launch = await api.PostAsJsonAsync("/api/runs", new
                {
                    name = "killed-mid-run", algorithm = "sft", source = new { datasetId },
                    config = new { model = "tiny", max_steps = MaxSteps, save_steps = SaveEvery, per_device_train_batch_size = 64, learning_rate = 0.003, max_length = 32 },
                });
                string body = await launch.Content.ReadAsStringAsync();
                Assert.True(launch.IsSuccessStatusCode, body);
                id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt32();

                // Running, past its first checkpoint, well before the end.
                var running = await WaitForRunAsync(api, id,
                    r => r.GetProperty("status").GetString() == "Running" && r.GetProperty("step").GetInt32() >= SaveEvery + 5,
                    TimeSpan.FromSeconds(120));
                killedAt = running.GetProperty("step").GetInt32();
                // The newest checkpoint recorded before the kill (the one at the step just read may still be uploading).
                var saved = await CheckpointStepsAsync(api, id);
                Assert.True(saved.Count >= 1, "a checkpoint before the kill");
                savedBeforeKill = saved.Max();
                await app.KillAsync();
                killTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
                Assert.True(killedAt < MaxSteps - SaveEvery, $"killed at step {killedAt}: too close to the end to prove a resume");
            }
            output.WriteLine($"killed run {id} at step {killedAt} (or a little later)");

            // Not disposed: that would delete the data folder the restart needs.
            app = await AppProcess.StartAsync(Environment, data);
            using (var api = Client(app.BaseUrl))
            {
                var done = await WaitForRunAsync(api, id, r => r.GetProperty("status").GetString() is "Completed" or "Failed" or "Cancelled",
                    TimeSpan.FromSeconds(240));
                Assert.True(done.GetProperty("status").GetString() == "Completed", done.ToString());
                Assert.Equal(MaxSteps, done.GetProperty("step").GetInt32());
                Assert.Contains($"Resuming run {id}", app.Output);

                // One loss point per step, 1..MaxSteps: no duplicates from the re-logged stretch and no
                // restart from step 1 after the kill.
                var points = JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{id}/metrics?name=loss&maxPoints=100000")).RootElement
                    .EnumerateArray().Select(p => (Step: p.GetProperty("step").GetInt32(), Time: p.GetProperty("time").GetDouble())).ToList();
                Assert.Equal(Enumerable.Range(1, MaxSteps), points.Select(p => p.Step));

                // It resumed from a checkpoint at or after the first one, not from scratch: the
                // resumed process logged where it started.
                // The trainer runs on while the kill is sent (tens of steps on a busy machine), so
                // the bound below is the newest checkpoint the server had recorded before the kill.
                var resumedFrom = Trainer(app.Output, id);
                var first = points[0];
                var atResume = points[resumedFrom - 1];
                output.WriteLine($"steps 1..{resumedFrom} took {atResume.Time - first.Time:0.00} s before the kill");
                output.WriteLine($"resumed from step {resumedFrom} (newest checkpoint recorded before the kill: step {savedBeforeKill})");
                Assert.InRange(resumedFrom, Math.Max(SaveEvery, savedBeforeKill), MaxSteps - 1);
                Assert.Equal(0, resumedFrom % SaveEvery);
                // The steps up to the checkpoint were trained (and logged) before the kill and kept;
                // only the steps after it were trained again by the restarted process.
                Assert.All(points.Where(p => p.Step <= resumedFrom), p => Assert.True(p.Time < killTime, $"step {p.Step} logged after the kill"));
                Assert.All(points.Where(p => p.Step > resumedFrom), p => Assert.True(p.Time > killTime, $"step {p.Step} logged before the kill"));

                Assert.Contains(MaxSteps, await CheckpointStepsAsync(api, id));
            }
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>The step the restarted app resumed the run from, as it logged it.</summary>
    private static int Trainer(string log, int id)
    {
        var m = System.Text.RegularExpressions.Regex.Match(log, $@"Run {id} resumed at step (\d+)");
        Assert.True(m.Success, $"no resume line in the log:\n{log}");
        return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
