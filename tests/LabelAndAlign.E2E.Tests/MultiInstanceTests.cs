using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// Two app instances over one PostgreSQL database, one Redis and one data folder, as behind a
/// load balancer, started at the same moment (one migrates, one bootstrap admin). Only instance A
/// starts a local worker, so whatever B's pages show of a run comes from A through Redis.
/// </summary>
[Trait("Database", "postgres")]
public sealed class MultiInstanceTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string AdminEmail = "admin@example.com", AdminPassword = "multi-admin-password";
    private const string AdminKey = "multi-instance-admin-key-0123456789";
    private const string LabelerPassword = "labeler-password-1";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "lna-multi", Guid.NewGuid().ToString("N"));
    private readonly List<HttpClient> _clients = [];
    private AppProcess _a = default!, _b = default!;

    public async Task InitializeAsync()
    {
        Dictionary<string, string> Environment(int localWorkers)
        {
            var env = AppProcess.BootstrapAdmin(AdminEmail, AdminPassword, AdminKey);
            env["Redis__Connection"] = TestServers.Redis;
            // This installation's own corner of the shared test Redis.
            env["Redis__KeyPrefix"] = $"lna-e2e-{Path.GetFileName(_data)}";
            env["Training__LocalWorkers"] = localWorkers.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return env;
        }
        var a = AppProcess.StartAsync(Environment(1), _data, provider: "postgres");
        var b = AppProcess.StartAsync(Environment(0), _data, provider: "postgres");
        try
        {
            await Task.WhenAll(a, b);
        }
        catch
        {
            // One instance failed to start: the other (and A's local worker) must not outlive the test.
            await StopAsync(a.IsCompletedSuccessfully ? a.Result : null, b.IsCompletedSuccessfully ? b.Result : null);
            throw;
        }
        (_a, _b) = (a.Result, b.Result);
    }

    public async Task DisposeAsync()
    {
        var apps = new[] { _b, _a }.Where(app => app is not null).ToList();
        foreach (var app in apps)
        {
            var lines = app.Output.Split('\n');
            for (int i = 0; i < lines.Length; i++)
                if (lines[i].Contains("fail:", StringComparison.Ordinal))
                    foreach (var l in lines.Skip(i).Take(4)) output.WriteLine(l);
        }
        foreach (var client in _clients) client.Dispose();
        await StopAsync(_a, _b);
    }

    /// <summary>Stops both (B first, then A with its worker), the second even when stopping the first fails; one after the other, as both drop the one shared database.</summary>
    private static async Task StopAsync(AppProcess? a, AppProcess? b)
    {
        try
        {
            if (b is not null) await b.DisposeAsync();
        }
        finally
        {
            if (a is not null) await a.DisposeAsync();
        }
    }

    private HttpClient Api(AppProcess app, string key = AdminKey)
    {
        var client = new HttpClient { BaseAddress = new Uri(app.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        _clients.Add(client);
        return client;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement;
    }

    /// <summary>A project with items and labelers (each with a key), made through instance A's API.</summary>
    private async Task<(int Project, List<(string Email, string Key)> Labelers)> ProjectAsync(int items, int labelers)
    {
        var admin = Api(_a);
        int project = (await JsonAsync(await admin.PostAsJsonAsync("/api/projects", new { name = "shared", labelsPerItem = 1 }))).GetProperty("id").GetInt32();
        var lines = new StringBuilder();
        for (int i = 0; i < items; i++)
            lines.AppendLine(JsonSerializer.Serialize(new { id = $"item-{i}", prompt = $"Prompt {i}", response_a = $"A{i}", response_b = $"B{i} longer" }));
        await JsonAsync(await admin.PostAsync($"/api/projects/{project}/items", new StringContent(lines.ToString(), Encoding.UTF8, "application/x-ndjson")));
        var result = new List<(string, string)>();
        for (int i = 0; i < labelers; i++)
        {
            string email = $"labeler{i}@example.com";
            int id = (await JsonAsync(await admin.PostAsJsonAsync("/api/users", new { email, password = LabelerPassword, role = "Labeler" }))).GetProperty("id").GetInt32();
            await JsonAsync(await admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email, role = "Labeler" }));
            result.Add((email, (await JsonAsync(await admin.PostAsJsonAsync($"/api/users/{id}/keys", new { name = "multi" }))).GetProperty("key").GetString()!));
        }
        return (project, result);
    }

    [Fact]
    public async Task ALabelerOnInstanceA_ShowsInTheLeadsLiveTeamViewOnInstanceB_ArrivingLabelingAndLeaving()
    {
        var (project, labelers) = await ProjectAsync(items: 4, labelers: 1);
        var (context, page, errors) = await browser.NewPageAsync(_b.BaseUrl);
        await using var _ = context;
        await BrowserFixture.SignInAsync(page, AdminEmail, AdminPassword);
        await page.GotoAsync($"/projects/{project}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        var lastHour = page.Locator(".metric", new() { HasText = "labels in the last hour" }).Locator(".metric-value");
        await Expect(lastHour).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("team-active")).ToHaveTextAsync("0");

        // The labeler opens the labeling page on instance A: labeling now, on B too.
        var (labelerContext, labelerPage, labelerErrors) = await browser.NewPageAsync(_a.BaseUrl);
        await BrowserFixture.SignInAsync(labelerPage, labelers[0].Email, LabelerPassword);
        await labelerPage.GotoAsync($"/label/{project}");
        await BrowserFixture.WaitForInteractiveAsync(labelerPage);
        // data-keys appears once the circuit's key handler is attached.
        await labelerPage.Locator(".lab[data-assignment][data-keys]").WaitForAsync(new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("team-active")).ToHaveTextAsync("1");

        // A label from the keyboard on A: B's count moves without a reload.
        string assignment = (await labelerPage.Locator(".lab").GetAttributeAsync("data-assignment"))!;
        await labelerPage.Keyboard.PressAsync("1");
        await Expect(labelerPage.GetByRole(AriaRole.Radio, new() { Name = "A is better" })).ToHaveAttributeAsync("aria-checked", "true");
        await labelerPage.Keyboard.PressAsync("Enter");
        await Expect(labelerPage.Locator(".lab")).Not.ToHaveAttributeAsync("data-assignment", assignment);
        await Expect(lastHour).ToHaveTextAsync("1");

        // The labeler closes the tab: no longer labeling, on B either.
        await labelerPage.CloseAsync();
        await Expect(page.GetByTestId("team-active")).ToHaveTextAsync("0");
        await labelerContext.DisposeAsync();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.True(labelerErrors.Count == 0, string.Join("\n", labelerErrors));
    }

    [Fact]
    public async Task ARunTrainedByAWorkerOnInstanceA_DrawsLiveOnInstanceB_AndACancelOnBStopsIt()
    {
        var api = Api(_b);
        var datasets = await JsonAsync(await api.GetAsync("/api/datasets"));
        int datasetId = datasets.EnumerateArray().First(d => d.GetProperty("name").GetString() == "sentiment · SFT corpus").GetProperty("id").GetInt32();
        var launched = await JsonAsync(await api.PostAsJsonAsync("/api/runs", new
        {
            name = "trained-on-a", algorithm = "sft", source = new { datasetId },
            config = new { max_steps = 100000, per_device_train_batch_size = 4, learning_rate = 0.003, max_length = 32 },
        }));
        int id = launched.GetProperty("id").GetInt32();

        var (context, page, errors) = await browser.NewPageAsync(_b.BaseUrl);
        await using var _ = context;
        await BrowserFixture.SignInAsync(page, AdminEmail, AdminPassword);
        await page.GotoAsync($"/runs/{id}");
        await BrowserFixture.WaitForInteractiveAsync(page);
        const string points = "document.querySelector(`.chart-card[data-metric='loss'] .chart-plot`)?.data?.[0]?.x?.length ?? 0";
        await page.WaitForFunctionAsync($"() => ({points}) >= 5", null, new() { Timeout = 90_000 });
        int before = await page.EvaluateAsync<int>($"() => {points}");
        // No reload: the points come live, from the worker connected to A, through Redis.
        await page.WaitForFunctionAsync($"() => ({points}) > {before + 10}", null, new() { Timeout = 60_000 });
        Assert.Contains($"Starting run {id}", _a.Output);
        Assert.DoesNotContain($"Starting run {id}", _b.Output);

        Assert.True((await api.PostAsync($"/api/runs/{id}/cancel", null)).IsSuccessStatusCode);
        await Expect(page.Locator(".status-pill")).ToHaveTextAsync("Cancelled", new() { Timeout = 30_000 });
        Assert.Equal("Cancelled", (await JsonAsync(await api.GetAsync($"/api/runs/{id}"))).GetProperty("status").GetString());
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task ASignInOnInstanceA_HoldsOnInstanceB_AndBAcceptsAFormThatAServed()
    {
        var (context, page, errors) = await browser.NewPageAsync(_a.BaseUrl);
        await using var _ = context;
        await BrowserFixture.SignInAsync(page, AdminEmail, AdminPassword);
        // Same host, other port: the browser sends the same cookie, which B must read.
        await page.GotoAsync($"{_b.BaseUrl}/runs");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Runs", Level = 1 })).ToBeVisibleAsync();
        Assert.DoesNotMatch(new Regex("/login"), page.Url);

        // The sign-in form's antiforgery token and cookie from A, posted to B (the browser's own
        // form-action policy keeps forms on their origin; a load balancer would not).
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var client = new HttpClient(handler);
        string form = await client.GetStringAsync($"{_a.BaseUrl}/login");
        var token = Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"");
        Assert.True(token.Success, "A's sign-in page has an antiforgery token");
        // The antiforgery cookie was set for A's origin; B's is the same host, so the container sends it there too.
        var posted = await client.PostAsync($"{_b.BaseUrl}/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["Input.Email"] = AdminEmail,
            ["Input.Password"] = AdminPassword,
        }));
        Assert.True(posted.StatusCode == HttpStatusCode.Redirect, $"B refused A's form: {(int)posted.StatusCode} {await posted.Content.ReadAsStringAsync()}");
        Assert.Contains(posted.Headers.GetValues("Set-Cookie"), c => c.StartsWith("lna.auth=", StringComparison.Ordinal));
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    /// <summary>What an instance acknowledged: this labeler's label, by its id.</summary>
    private sealed record Ack(string Labeler, long LabelId, string Prompt, string Choice);

    [Fact]
    public async Task KillingOneInstanceMidLoad_LosesNoAcknowledgedLabel()
    {
        var (project, labelers) = await ProjectAsync(items: 2000, labelers: 8);
        var acks = new List<Ack>();
        using var stop = new CancellationTokenSource();
        // Half the labelers start on each instance; one whose instance dies carries on with the other, as a load balancer would send them.
        var load = labelers.Select((l, i) => DriveAsync(l.Email, l.Key, i % 2 == 0 ? [_a, _b] : [_b, _a], project, new Random(i), acks, stop.Token)).ToList();
        await Task.Delay(2500);
        int beforeKill;
        lock (acks) beforeKill = acks.Count;
        await _a.KillAsync();
        await Task.Delay(2500);
        stop.Cancel();
        await Task.WhenAll(load);

        string export = await Api(_b).GetStringAsync($"/api/projects/{project}/export?format=votes");
        var stored = export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(r => r.GetProperty("label_id").GetInt64());
        output.WriteLine($"{acks.Count} acknowledged ({beforeKill} before the kill), {stored.Count} stored");
        Assert.True(beforeKill > 0 && acks.Count > beforeKill, $"both instances should have labeled: {beforeKill} before the kill, {acks.Count} in all");
        var pairs = stored.Values.GroupBy(s => (s.GetProperty("labeler").GetString()!, s.GetProperty("external_id").GetString()!));
        Assert.All(pairs, g => Assert.True(g.Count() == 1, $"{g.Key} is stored {g.Count()} times"));
        foreach (var ack in acks)
        {
            Assert.True(stored.TryGetValue(ack.LabelId, out var row), $"acknowledged label {ack.LabelId} by {ack.Labeler} was lost");
            Assert.Equal(ack.Labeler, row.GetProperty("labeler").GetString());
            Assert.Equal("item-" + ack.Prompt["Prompt ".Length..], row.GetProperty("external_id").GetString());
            string shownLeft = row.GetProperty("shown_left").GetString()!;
            string expected = ack.Choice switch { "left" => shownLeft, "right" => shownLeft == "a" ? "b" : "a", _ => ack.Choice };
            Assert.Equal(expected, row.GetProperty("choice").GetString());
        }
    }

    /// <summary>One labeler: next, answer at once, record what was acknowledged; on a dead instance, move to the next one.</summary>
    private async Task DriveAsync(string email, string key, AppProcess[] instances, int project, Random random, List<Ack> acks, CancellationToken stop)
    {
        string[] choices = ["left", "right", "tie", "both_bad"];
        int at = 0;
        var http = instances.Select(app => Api(app, key)).ToArray();
        while (!stop.IsCancellationRequested && at < instances.Length)
        {
            try
            {
                using var next = await http[at].PostAsync($"/api/projects/{project}/assignments/next", null, stop);
                if (next.StatusCode == HttpStatusCode.NoContent) return;
                var assignment = await JsonAsync(next);
                string choice = choices[random.Next(choices.Length)];
                using var label = await http[at].PostAsJsonAsync($"/api/assignments/{assignment.GetProperty("assignmentId").GetInt64()}/label", new { choice }, CancellationToken.None);
                if (label.StatusCode == HttpStatusCode.OK)
                {
                    long id = (await JsonAsync(label)).GetProperty("labelId").GetInt64();
                    lock (acks) acks.Add(new Ack(email, id, assignment.GetProperty("prompt").GetString()!, choice));
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                at++; // that instance died under us: carry on with the next
            }
        }
    }
}
