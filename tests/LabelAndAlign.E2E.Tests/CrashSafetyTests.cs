using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// No acknowledged label is ever lost: concurrent labelers drive the real server process, which
/// is killed with SIGKILL mid-load and restarted over the same database, ten times; then every
/// label the server acknowledged must be stored exactly once, with the choice that was sent.
/// </summary>
public sealed class CrashSafetyTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string AdminKey = "crash-test-admin-key-0123456789";
    private const int Rounds = 10;
    private const int Labelers = 8;
    private const int Items = 600;

    private static readonly Dictionary<string, string> Environment = AppProcess.BootstrapAdmin("admin@example.com", "crash-test-admin-password", AdminKey);

    /// <summary>What the server acknowledged: this labeler labeled this item with this on-screen choice.</summary>
    private sealed record Ack(string Labeler, string Prompt, string Choice);

    private sealed record Labeler(string Email, HttpClient Http);

    private static HttpClient Client(string baseUrl, string key)
    {
        var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(20) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    [Fact]
    public async Task KilledMidLoad_TenTimes_LosesAndDuplicatesNoAcknowledgedLabel()
    {
        string data = Path.Combine(Path.GetTempPath(), "lna-crash", Guid.NewGuid().ToString("N"));
        var app = await AppProcess.StartAsync(Environment, data);
        var acks = new List<Ack>();
        var emails = new List<(string Email, string Key)>();
        int projectId;
        try
        {
            using (var admin = Client(app.BaseUrl, AdminKey))
            {
                var created = await admin.PostAsJsonAsync("/api/projects", new { name = "crash safety", labelsPerItem = 1 });
                created.EnsureSuccessStatusCode();
                projectId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
                var lines = new StringBuilder();
                for (int i = 0; i < Items; i++)
                    lines.AppendLine(JsonSerializer.Serialize(new { id = $"item-{i}", prompt = $"Prompt {i}", response_a = $"A{i}", response_b = $"B{i} longer" }));
                var import = await admin.PostAsync($"/api/projects/{projectId}/items", new StringContent(lines.ToString(), Encoding.UTF8, "application/x-ndjson"));
                Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());

                for (int i = 0; i < Labelers; i++)
                {
                    string email = $"crash{i}@example.com";
                    var user = await admin.PostAsJsonAsync("/api/users", new { email, password = "crash-labeler-password", role = "Labeler" });
                    user.EnsureSuccessStatusCode();
                    int id = (await user.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
                    (await admin.PostAsJsonAsync($"/api/projects/{projectId}/members", new { email, role = "Labeler" })).EnsureSuccessStatusCode();
                    var key = await admin.PostAsJsonAsync($"/api/users/{id}/keys", new { });
                    key.EnsureSuccessStatusCode();
                    emails.Add((email, (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!));
                }
            }

            var random = new Random(7);
            for (int round = 0; round < Rounds; round++)
            {
                if (round > 0) app = await AppProcess.StartAsync(Environment, data);
                var labelers = emails.Select(e => new Labeler(e.Email, Client(app.BaseUrl, e.Key))).ToList();
                using var stop = new CancellationTokenSource();
                int before;
                lock (acks) before = acks.Count;
                var load = labelers.Select((l, i) => DriveAsync(l, projectId, new Random(round * 100 + i), acks, stop.Token)).ToList();
                // Killed mid-load: once this round's labels are being acknowledged (a loaded machine takes seconds to get
                // there after a start), at a random moment.
                for (var until = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < until; await Task.Delay(20))
                    lock (acks) if (acks.Count > before) break;
                await Task.Delay(200 + random.Next(900));
                await app.KillAsync();
                stop.Cancel();
                await Task.WhenAll(load);
                labelers.ForEach(l => l.Http.Dispose());
            }

            app = await AppProcess.StartAsync(Environment, data);
            using var reader = Client(app.BaseUrl, AdminKey);
            string export = await reader.GetStringAsync($"/api/projects/{projectId}/export?format=votes");
            var stored = export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

            output.WriteLine($"{Rounds} kills, {acks.Count} acknowledged labels, {stored.Count} stored");
            Assert.True(acks.Count > 20, $"the load should have labeled something before each kill; only {acks.Count} acknowledged");
            var byKey = stored.GroupBy(s => (s.GetProperty("labeler").GetString()!, s.GetProperty("external_id").GetString()!)).ToList();
            Assert.All(byKey, g => Assert.True(g.Count() == 1, $"{g.Key} is stored {g.Count()} times"));
            var lookup = byKey.ToDictionary(g => g.Key, g => g.Single());
            foreach (var ack in acks)
            {
                string external = "item-" + ack.Prompt["Prompt ".Length..];
                Assert.True(lookup.TryGetValue((ack.Labeler, external), out var row), $"acknowledged label by {ack.Labeler} on {external} was lost");
                string shownLeft = row.GetProperty("shown_left").GetString()!;
                string expected = ack.Choice switch
                {
                    "left" => shownLeft,
                    "right" => shownLeft == "a" ? "b" : "a",
                    _ => ack.Choice,
                };
                Assert.Equal(expected, row.GetProperty("choice").GetString());
            }
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>One labeler: take the next item, answer at once, record what the server acknowledged.</summary>
    private static async Task DriveAsync(Labeler labeler, int projectId, Random random, List<Ack> acks, CancellationToken stop)
    {
        string[] choices = ["left", "right", "tie", "both_bad"];
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var next = await labeler.Http.PostAsync($"/api/projects/{projectId}/assignments/next", null, stop);
                if (next.StatusCode == HttpStatusCode.NoContent) return;
                if (!next.IsSuccessStatusCode) return;
                var assignment = await next.Content.ReadFromJsonAsync<JsonElement>(stop);
                long id = assignment.GetProperty("assignmentId").GetInt64();
                string prompt = assignment.GetProperty("prompt").GetString()!;
                string choice = choices[random.Next(choices.Length)];
                using var label = await labeler.Http.PostAsJsonAsync($"/api/assignments/{id}/label", new { choice }, CancellationToken.None);
                if (label.StatusCode == HttpStatusCode.OK)
                    lock (acks) acks.Add(new Ack(labeler.Email, prompt, choice));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException or IOException)
            {
                return; // the server died under us: that is the point of the test
            }
        }
    }
}
