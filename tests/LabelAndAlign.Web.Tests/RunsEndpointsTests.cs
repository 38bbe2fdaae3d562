using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

/// <summary>The datasets and runs API contract: import all or nothing, validation naming the field, who may do what.</summary>
public sealed class RunsEndpointsTests(AppFactory app) : IClassFixture<AppFactory>
{
    private static StringContent Jsonl(string text) => new(text, Encoding.UTF8, "application/x-ndjson");

    [Fact]
    public async Task ImportDataset_ValidPreferencePairs_ReturnsIdKindAndRows_AndIsListed()
    {
        using var api = app.CreateApiClient();
        var response = await api.PostAsync("/api/datasets?name=pairs", Jsonl(
            "{\"prompt\": \"The sky is\", \"chosen\": \" blue.\", \"rejected\": \" green.\"}\n\n{\"prompt\": \"Grass is\", \"chosen\": \" green.\", \"rejected\": \" blue.\"}\n"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("preference", body.GetProperty("kind").GetString());
        Assert.Equal(2, body.GetProperty("rows").GetInt32());
        int id = body.GetProperty("id").GetInt32();

        var list = await api.GetFromJsonAsync<JsonElement>("/api/datasets");
        var listed = list.EnumerateArray().Single(d => d.GetProperty("id").GetInt32() == id);
        Assert.Equal("pairs", listed.GetProperty("name").GetString());
        Assert.Contains("The sky is", listed.GetProperty("previewJson").GetString());
        // The task packs' corpora and prompt sets are datasets too.
        Assert.Contains(list.EnumerateArray(), d => d.GetProperty("name").GetString() == "arithmetic · SFT corpus" && d.GetProperty("builtIn").GetBoolean());
        Assert.Contains(list.EnumerateArray(), d => d.GetProperty("name").GetString() == "sentiment · prompts" && d.GetProperty("kind").GetString() == "prompt_only");
    }

    [Fact]
    public async Task DeleteDataset_TrainedOn_IsArchived_HiddenUntilRestored_AndAQueuedRunIsCancelledThenDeleted()
    {
        using var api = app.CreateApiClient();
        async Task<int> ImportAsync(string name) => (await (await api.PostAsync($"/api/datasets?name={name}", Jsonl("{\"prompt\": \"a\", \"completion\": \"b\"}\n")))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        async Task<List<int>> ListedAsync(string url) => (await api.GetFromJsonAsync<JsonElement>(url)).EnumerateArray().Select(d => d.GetProperty("id").GetInt32()).ToList();
        int unused = await ImportAsync($"unused-{Guid.NewGuid():N}"), used = await ImportAsync($"used-{Guid.NewGuid():N}");
        var launched = await api.PostAsJsonAsync("/api/runs", new { name = "on used", algorithm = "sft", config = new { max_steps = 2 }, source = new { datasetId = used } });
        launched.EnsureSuccessStatusCode();
        int run = (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();

        var deleted = await (await api.DeleteAsync($"/api/datasets/{unused}")).Content.ReadFromJsonAsync<JsonElement>();
        var preview = await api.GetFromJsonAsync<JsonElement>($"/api/datasets/{used}/removal");
        var archived = await (await api.DeleteAsync($"/api/datasets/{used}")).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("deleted", deleted.GetProperty("outcome").GetString());
        Assert.Equal(("archived", "1 run was trained on this dataset"), (preview.GetProperty("outcome").GetString(), preview.GetProperty("reasons")[0].GetString()));
        Assert.Equal("archived", archived.GetProperty("outcome").GetString());
        Assert.StartsWith("Archived dataset", archived.GetProperty("message").GetString());
        Assert.DoesNotContain(unused, await ListedAsync("/api/datasets?archived=true"));
        Assert.DoesNotContain(used, await ListedAsync("/api/datasets"));
        Assert.Contains(used, await ListedAsync("/api/datasets?archived=true"));
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/datasets/{used}/restore", null)).StatusCode);
        Assert.Contains(used, await ListedAsync("/api/datasets"));

        var runRemoval = await api.GetFromJsonAsync<JsonElement>($"/api/runs/{run}/removal");
        var runDeleted = await (await api.DeleteAsync($"/api/runs/{run}")).Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(runRemoval.GetProperty("cancelsRun").GetBoolean());
        Assert.Equal("deleted", runDeleted.GetProperty("outcome").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/runs/{run}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"/api/runs/{run}")).StatusCode);
        using var scope = app.Services.CreateScope();
        var audit = await scope.ServiceProvider.GetRequiredService<Services.AuditLog>().NewestAsync(10);
        Assert.Contains(audit, e => e.Action == "run.cancel" && e.Detail.StartsWith($"run {run} "));
        Assert.Contains(audit, e => e.Action == "run.delete" && e.Detail.StartsWith($"run {run} "));
        Assert.Contains(audit, e => e.Action == "dataset.archive" && e.Detail.StartsWith($"dataset {used} "));
        Assert.Contains(audit, e => e.Action == "dataset.restore" && e.Detail.StartsWith($"dataset {used} "));
    }

    [Fact]
    public async Task ImportDataset_BadLines_Returns400WithLineNumbers_AndImportsNothing()
    {
        using var api = app.CreateApiClient();
        string name = $"broken-{Guid.NewGuid():N}";
        var response = await api.PostAsync($"/api/datasets?name={name}", Jsonl(
            "{\"prompt\": \"a\", \"completion\": \"b\"}\nnot json\n{\"prompt\": \"c\", \"completion\": \"d\"}\n{\"prompt\": \"e\", \"chosen\": \"f\", \"rejected\": \"g\"}\n{\"text\": 5}\n"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal([2, 4, 5], errors.Select(e => e.GetProperty("line").GetInt32()));
        Assert.Contains("line 1", errors[1].GetProperty("message").GetString()); // one kind per dataset
        Assert.Contains("\"text\"", errors[2].GetProperty("message").GetString());
        var list = await api.GetFromJsonAsync<JsonElement>("/api/datasets");
        Assert.DoesNotContain(list.EnumerateArray(), d => d.GetProperty("name").GetString() == name);
    }

    [Fact]
    public async Task ImportDataset_WithoutAName_Returns400NamingIt()
    {
        using var api = app.CreateApiClient();
        var response = await api.PostAsync("/api/datasets", Jsonl("{\"text\": \"x\"}\n"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("name", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task LaunchRun_InvalidConfig_Returns400NamingTheField()
    {
        using var api = app.CreateApiClient();
        var datasets = await api.GetFromJsonAsync<JsonElement>("/api/datasets");
        int sft = datasets.EnumerateArray().First(d => d.GetProperty("kind").GetString() == "prompt_completion").GetProperty("id").GetInt32();
        foreach (var (config, field) in new (object, string)[]
        {
            (new { learning_rate = "fast" }, "config.learning_rate"),
            (new { max_steps = -1 }, "config.max_steps"),
            (new { unknown_knob = 1 }, "config.unknown_knob"),
        })
        {
            var response = await api.PostAsJsonAsync("/api/runs", new { name = "bad", algorithm = "sft", config, source = new { datasetId = sft } });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out _), $"expected {field} in {errors}");
        }
        var noAlgorithm = await api.PostAsJsonAsync("/api/runs", new { name = "bad", algorithm = "rlhf", config = new { }, source = new { datasetId = sft } });
        Assert.True((await noAlgorithm.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("algorithm", out _));
    }

    [Fact]
    public async Task Labeler_CannotLaunchOrRead_Viewer_ReadsButCannotLaunchOrCancel()
    {
        using var admin = app.CreateApiClient();
        var keys = new Dictionary<string, string>();
        foreach (var role in new[] { "Labeler", "Viewer" })
        {
            var created = await admin.PostAsJsonAsync("/api/users", new { email = $"runs-{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com", password = "runs-password-1", role });
            created.EnsureSuccessStatusCode();
            int id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
            var key = await admin.PostAsJsonAsync($"/api/users/{id}/keys", new { });
            keys[role] = (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        }
        var launch = new { name = "x", algorithm = "sft", config = new { }, source = new { datasetId = 1 } };

        using var labeler = app.CreateApiClient(keys["Labeler"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await labeler.PostAsJsonAsync("/api/runs", launch)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await labeler.GetAsync("/api/runs")).StatusCode);

        using var viewer = app.CreateApiClient(keys["Viewer"]);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/runs")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/runs", launch)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/runs/1/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/datasets?name=x", Jsonl("{\"text\": \"x\"}"))).StatusCode);

        using var anonymous = app.CreateApiClient(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/runs")).StatusCode);
    }

    [Fact]
    public async Task LaunchRun_FromALabelingProject_FreezesASnapshotOfItsPreferences()
    {
        using var admin = app.CreateApiClient();
        var created = await admin.PostAsJsonAsync("/api/projects", new { name = "snapshot source" });
        int project = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var empty = await admin.PostAsJsonAsync("/api/runs", new { name = "too early", algorithm = "reward", config = new { }, source = new { projectId = project } });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.True((await empty.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("source.projectId", out _));

        // A labeler (a fresh user, member of the project) labels both items.
        string email = $"snap-{Guid.NewGuid():N}@example.com";
        var user = await admin.PostAsJsonAsync("/api/users", new { email, password = "snapshot-password-1", role = "Labeler" });
        int userId = (await user.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        string key = (await (await admin.PostAsJsonAsync($"/api/users/{userId}/keys", new { })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email, role = "Labeler" })).StatusCode);
        var items = "{\"prompt\": \"Sky?\", \"chosen\": \"Blue.\", \"rejected\": \"Green.\"}\n{\"prompt\": \"Grass?\", \"chosen\": \"Green.\", \"rejected\": \"Red.\"}\n";
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/projects/{project}/items", Jsonl(items))).StatusCode);
        using var labeler = app.CreateApiClient(key);
        for (int i = 0; i < 2; i++)
        {
            var next = await (await labeler.PostAsync($"/api/projects/{project}/assignments/next", null)).Content.ReadFromJsonAsync<JsonElement>();
            var label = await labeler.PostAsJsonAsync($"/api/assignments/{next.GetProperty("assignmentId").GetInt64()}/label", new { choice = "left" });
            Assert.True(label.IsSuccessStatusCode, await label.Content.ReadAsStringAsync());
        }

        // Bad options are refused before any snapshot is taken.
        var bad = await admin.PostAsJsonAsync("/api/runs", new { name = "bad", algorithm = "reward", config = new { max_length = 0 }, source = new { projectId = project } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var before = (await admin.GetFromJsonAsync<JsonElement>("/api/datasets")).GetArrayLength();

        var launched = await admin.PostAsJsonAsync("/api/runs", new { name = "rm-from-labels", algorithm = "reward", config = new { max_steps = 1 }, source = new { projectId = project } });
        Assert.True(launched.IsSuccessStatusCode, await launched.Content.ReadAsStringAsync());
        int run = (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var summary = await admin.GetFromJsonAsync<JsonElement>($"/api/runs/{run}");
        Assert.StartsWith("snapshot source · snapshot ", summary.GetProperty("datasetName").GetString());
        var datasets = await admin.GetFromJsonAsync<JsonElement>("/api/datasets");
        Assert.Equal(before + 1, datasets.GetArrayLength());
        var snapshot = datasets.EnumerateArray().Single(d => d.GetProperty("id").GetInt32() == summary.GetProperty("datasetId").GetInt32());
        Assert.Equal("preference", snapshot.GetProperty("kind").GetString());
        Assert.Equal(2, snapshot.GetProperty("rows").GetInt32());
    }

    [Fact]
    public async Task Judges_AreListed_QueuedForScoring_AndTheirProgressRead_OverTheApi()
    {
        int judge, judged;
        await using (var db = app.CreateDbContext())
        {
            var rm = new Data.Runs.Run { Name = $"api-rm-{Guid.NewGuid():N}", Algorithm = "reward", Status = Data.Runs.RunStatus.Completed, CreatedAt = DateTime.UtcNow };
            var dpo = new Data.Runs.Run { Name = "api-judged", Algorithm = "dpo", Status = Data.Runs.RunStatus.Completed, CreatedAt = DateTime.UtcNow };
            db.Runs.AddRange(rm, dpo);
            await db.SaveChangesAsync();
            string path = $"runs/{rm.Id}/checkpoint-8";
            Directory.CreateDirectory(Path.Combine(app.DataDirectory, path));
            var checkpoint = new Data.Runs.RunCheckpoint { RunId = rm.Id, Step = 8, Path = path, CreatedAt = DateTime.UtcNow };
            db.RunCheckpoints.Add(checkpoint);
            db.RunSamples.AddRange(new Data.Runs.RunSample { RunId = dpo.Id, Step = 0, Prompt = "p", Completion = "a" },
                new Data.Runs.RunSample { RunId = dpo.Id, Step = 2, Prompt = "p", Completion = "b" });
            await db.SaveChangesAsync();
            (judge, judged) = (checkpoint.Id, dpo.Id);
        }
        using var api = app.CreateApiClient();

        var listed = (await api.GetFromJsonAsync<JsonElement>("/api/compare/judges")).EnumerateArray().Single(j => j.GetProperty("checkpointId").GetInt32() == judge);
        Assert.EndsWith(" · step 8", listed.GetProperty("name").GetString());
        var before = await api.GetFromJsonAsync<JsonElement>($"/api/compare/judges/{judge}/scoring?runs={judged}");
        Assert.Equal(("NotScored", 2, 0), (before.GetProperty("state").GetString(), before.GetProperty("samples").GetInt32(), before.GetProperty("scored").GetInt32()));

        var queued = await api.PostAsync($"/api/compare/judges/{judge}/scoring?runs={judged}", null);
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        Assert.Equal(2, (await queued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("queued").GetInt32());
        var after = await api.GetFromJsonAsync<JsonElement>($"/api/compare/judges/{judge}/scoring?runs={judged}");
        Assert.Equal(("Scoring", 2), (after.GetProperty("state").GetString(), after.GetProperty("inProgress").GetInt32()));

        var noRuns = await api.PostAsync($"/api/compare/judges/{judge}/scoring", null);
        Assert.Equal(HttpStatusCode.BadRequest, noRuns.StatusCode);
        Assert.Contains("?runs=1,2", await noRuns.Content.ReadAsStringAsync());
        var notAJudge = await api.PostAsync($"/api/compare/judges/999999/scoring?runs={judged}", null);
        Assert.Equal(HttpStatusCode.BadRequest, notAJudge.StatusCode);
        Assert.Contains("Checkpoint 999999 cannot judge", await notAJudge.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_UnknownRun_Returns404()
    {
        using var api = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/runs/987654/metrics?name=loss")).StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(987654)]
    public async Task LaunchPpo_WithoutAUsableReward_Returns400NamingRewardCheckpointId(int? rewardCheckpointId)
    {
        using var api = app.CreateApiClient();
        // Imported prompts have no task pack to score completions: the reward model is the only reward.
        var imported = await api.PostAsync($"/api/datasets?name=prompts-{Guid.NewGuid():N}", Jsonl("{\"prompt\": \"1+1=\"}\n"));
        int prompts = (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var response = await api.PostAsJsonAsync("/api/runs", new { name = "ppo", algorithm = "ppo", config = new { max_steps = 2 }, source = new { datasetId = prompts }, rewardCheckpointId });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("rewardCheckpointId", out _), errors.ToString());
    }

    [Fact]
    public async Task ARunOnAProjectSnapshot_NamesTheProjectAndLabelers_OnlyToThoseWhoMaySeeTheProject()
    {
        using var admin = app.CreateApiClient();
        string projectName = $"secret project {Guid.NewGuid():N}";
        int project = (await (await admin.PostAsJsonAsync("/api/projects", new { name = projectName })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var (labelerId, labelerEmail) = await UserTestData.CreateAsync(app, "Labeler");
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email = labelerEmail, role = "Labeler" })).StatusCode);
        var items = "{\"prompt\": \"Sky?\", \"chosen\": \"Blue.\", \"rejected\": \"Green.\"}\n{\"prompt\": \"Grass?\", \"chosen\": \"Green.\", \"rejected\": \"Red.\"}\n";
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/projects/{project}/items", Jsonl(items))).StatusCode);
        using var labeler = app.CreateApiClient(await UserTestData.KeyAsync(app, labelerId));
        for (int i = 0; i < 2; i++)
        {
            var next = await (await labeler.PostAsync($"/api/projects/{project}/assignments/next", null)).Content.ReadFromJsonAsync<JsonElement>();
            Assert.True((await labeler.PostAsJsonAsync($"/api/assignments/{next.GetProperty("assignmentId").GetInt64()}/label", new { choice = "left" })).IsSuccessStatusCode);
        }
        var launched = await admin.PostAsJsonAsync("/api/runs", new { name = "rm-behind-a-wall", algorithm = "reward", config = new { max_steps = 1 }, source = new { projectId = project } });
        Assert.True(launched.IsSuccessStatusCode, await launched.Content.ReadAsStringAsync());
        int run = (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();

        var (outsiderId, _) = await UserTestData.CreateAsync(app, "Viewer");
        var (memberId, memberEmail) = await UserTestData.CreateAsync(app, "Viewer");
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/api/projects/{project}/members", new { email = memberEmail, role = "Viewer" })).StatusCode);
        using var outsider = app.CreateApiClient(await UserTestData.KeyAsync(app, outsiderId));
        using var member = app.CreateApiClient(await UserTestData.KeyAsync(app, memberId));

        foreach (var reader in new[] { admin, member })
        {
            var seen = await reader.GetFromJsonAsync<JsonElement>($"/api/runs/{run}");
            Assert.Equal(projectName, seen.GetProperty("lineage").GetProperty("projectName").GetString());
            Assert.Equal([labelerEmail], seen.GetProperty("lineage").GetProperty("labelers").EnumerateArray().Select(e => e.GetString()));
        }

        string one = await outsider.GetStringAsync($"/api/runs/{run}");
        string all = await outsider.GetStringAsync("/api/runs");
        Assert.DoesNotContain("secret project", one);
        Assert.DoesNotContain(labelerEmail, one);
        Assert.DoesNotContain("secret project", all);
        var lineage = JsonDocument.Parse(one).RootElement.GetProperty("lineage");
        Assert.Equal((2, 1), (lineage.GetProperty("labelCount").GetInt32(), lineage.GetProperty("labelerCount").GetInt32()));
        Assert.Equal(JsonValueKind.Null, lineage.GetProperty("projectId").ValueKind);
    }
}
