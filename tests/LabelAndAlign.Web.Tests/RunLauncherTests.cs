using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace LabelAndAlign.Web.Tests;

/// <summary>Launching a run through the API: all or nothing, every problem at once in the user's words, a bound on every number.</summary>
public sealed class RunLauncherTests(AppFactory app) : IClassFixture<AppFactory>
{
    private static async Task<int> DatasetAsync(HttpClient api, string name)
    {
        var list = await api.GetFromJsonAsync<JsonElement>("/api/datasets");
        return list.EnumerateArray().First(d => d.GetProperty("name").GetString() == name).GetProperty("id").GetInt32();
    }

    private static async Task<Dictionary<string, string[]>> RefusedAsync(HttpClient api, object body)
    {
        var response = await api.PostAsJsonAsync("/api/runs", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        return JsonSerializer.Deserialize<Dictionary<string, string[]>>(JsonDocument.Parse(text).RootElement.GetProperty("errors").GetRawText())!;
    }

    [Fact]
    public async Task Launch_OnAnArchivedDataset_IsRefusedSayingHowToRestoreIt()
    {
        using var api = app.CreateApiClient();
        var imported = await api.PostAsync($"/api/datasets?name=archived-{Guid.NewGuid():N}",
            new StringContent("{\"prompt\": \"a\", \"completion\": \"b\"}\n", Encoding.UTF8, "application/x-ndjson"));
        int id = (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        (await api.PostAsync($"/api/datasets/{id}/archive", null)).EnsureSuccessStatusCode();

        var errors = await RefusedAsync(api, new { name = "on archived", algorithm = "sft", config = new { max_steps = 2 }, source = new { datasetId = id } });

        Assert.Equal(["source.datasetId"], errors.Keys);
        Assert.StartsWith("The dataset 'archived-", errors["source.datasetId"][0]);
        Assert.EndsWith($"is archived; restore it first (Show archived on the Datasets page, then Restore; or POST /api/datasets/{id}/restore), or choose another.", errors["source.datasetId"][0]);
    }

    private static async Task<int> PromptsWithoutPackAsync(HttpClient api)
    {
        var imported = await api.PostAsync($"/api/datasets?name=prompts-{Guid.NewGuid():N}",
            new StringContent("{\"prompt\": \"Say something kind.\"}\n{\"prompt\": \"Say something else.\"}\n", Encoding.UTF8, "application/x-ndjson"));
        return (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
    }

    [Fact]
    public async Task Launch_JudgedByPeople_RefusesAMissingOrArchivedProject_AndRoundsOutOfRange()
    {
        using var api = app.CreateApiClient();
        int prompts = await PromptsWithoutPackAsync(api);
        int project = (await (await api.PostAsJsonAsync("/api/projects", new { name = $"loop-{Guid.NewGuid():N}" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        (await api.PostAsync($"/api/projects/{project}/archive", null)).EnsureSuccessStatusCode();

        var missing = await RefusedAsync(api, new { name = "loop", algorithm = "dpo", config = new { online = true, judge = "people", label_project = 987654 }, source = new { datasetId = prompts } });
        var archived = await RefusedAsync(api, new { name = "loop", algorithm = "dpo", config = new { online = true, judge = "people", label_project = project }, source = new { datasetId = prompts } });
        var none = await RefusedAsync(api, new { name = "loop", algorithm = "dpo", config = new { online = true, judge = "people" }, source = new { datasetId = prompts } });
        var rounds = await RefusedAsync(api, new { name = "loop", algorithm = "dpo", config = new { online = true, judge = "people", label_project = project, label_every = 0, label_pairs = 300 }, source = new { datasetId = prompts } });
        var offline = await RefusedAsync(api, new { name = "loop", algorithm = "dpo", config = new { judge = "people", label_project = project }, source = new { datasetId = prompts } });

        Assert.Equal("There is no labeling project 987654 to send the rounds to; choose one from the list.", missing["config.label_project"][0]);
        Assert.EndsWith($"is archived; restore it first (Show archived on the Projects page, then Restore; or POST /api/projects/{project}/restore), or choose another.", archived["config.label_project"][0]);
        Assert.Equal("label_project is needed when people judge: choose the labeling project whose labelers judge the pairs.", none["config.label_project"][0]);
        Assert.Equal("label_every must be at least 1, found 0.", rounds["config.label_every"][0]);
        Assert.Equal("label_pairs must be at most 256, found 300.", rounds["config.label_pairs"][0]);
        Assert.StartsWith("judge people labels pairs sampled online; set online: true.", offline["config.judge"][0]);
        // People need no reward model, on any prompts dataset.
        foreach (var errors in new[] { missing, archived, none, rounds }) Assert.False(errors.ContainsKey("rewardCheckpointId"), string.Join(" ", errors.Keys));
    }

    [Fact]
    public async Task Launch_JudgedByThePacksOracle_OnADatasetWithoutAPack_SaysToChooseAJudge()
    {
        using var api = app.CreateApiClient();
        int prompts = await PromptsWithoutPackAsync(api);

        var errors = await RefusedAsync(api, new { name = "oracle", algorithm = "dpo", config = new { online = true, judge = "auto" }, source = new { datasetId = prompts } });

        Assert.StartsWith("Online DPO needs a judge for the pairs it samples: choose a reward model", errors["rewardCheckpointId"][0]);
    }

    [Fact]
    public async Task Launch_ReportsEveryProblemAtOnce_InTheUsersWords()
    {
        using var api = app.CreateApiClient();
        int prompts = await DatasetAsync(api, "arithmetic · prompts");
        var errors = await RefusedAsync(api, new
        {
            name = " ", algorithm = "dpo", config = new { max_steps = 0, per_device_train_batch_size = 1e9, beta = -1, batch_size = 8 },
            source = new { datasetId = prompts }, rewardCheckpointId = 987654,
        });
        Assert.Equal(["name", "config.max_steps", "config.per_device_train_batch_size", "config.beta", "config.batch_size", "source.datasetId", "baseCheckpointId", "rewardCheckpointId"],
            errors.Keys);
        Assert.Equal("Give the run a name.", errors["name"][0]);
        Assert.Equal("max_steps must be at least 1, found 0.", errors["config.max_steps"][0]);
        Assert.Equal("per_device_train_batch_size must be at most 1,024, found 1000000000.", errors["config.per_device_train_batch_size"][0]);
        Assert.Equal("batch_size is called per_device_train_batch_size now (TRL's name).", errors["config.batch_size"][0]);
        Assert.Equal("DPO trains on preference (explicit prompt) or preference (implicit prompt) data; dataset 'arithmetic · prompts' is prompt only.", errors["source.datasetId"][0]);
        Assert.Equal("DPO fine-tunes a policy: choose a base checkpoint (a checkpoint of an SFT run).", errors["baseCheckpointId"][0]);
        // Messages speak of the things on the form, never of the API's field names.
        foreach (var message in errors.Values.SelectMany(m => m))
        {
            Assert.DoesNotContain("datasetId", message);
            Assert.DoesNotContain("CheckpointId", message);
        }
    }

    [Theory]
    [InlineData("grpo", """{"num_generations": 100000000}""", "config.num_generations", "num_generations must be at most 256")]
    [InlineData("sft", """{"per_device_train_batch_size": 1e9}""", "config.per_device_train_batch_size", "must be at most 1,024")]
    [InlineData("sft", """{"per_device_train_batch_size": 1024, "gradient_accumulation_steps": 1024}""", "config.gradient_accumulation_steps", "1,048,576 examples per step; keep it at most 65,536")]
    [InlineData("sft", """{"per_device_train_batch_size": 65536, "gradient_accumulation_steps": 65536}""", "config.gradient_accumulation_steps", "gradient_accumulation_steps must be at most 1,024")]
    [InlineData("sft", """{"max_steps": 0}""", "config.max_steps", "max_steps must be at least 1")]
    [InlineData("sft", """{"engine": "native", "device": "cuda"}""", "config.device", "device: cuda is the torch engine's")]
    [InlineData("sft", """{"model": "gpt2", "per_device_train_batch_size": 1024}""", "config.per_device_train_batch_size", "One training step would need about")]
    public async Task Launch_RefusesAnOptionBeyondItsBound_NamingTheOptionAndTheBound(string algorithm, string config, string field, string message)
    {
        using var api = app.CreateApiClient();
        int sft = await DatasetAsync(api, "arithmetic · SFT corpus");
        var errors = await RefusedAsync(api, new { name = "x", algorithm, config = JsonDocument.Parse(config).RootElement, source = new { datasetId = sft } });
        Assert.Contains(message, errors[field][0]);
    }

    /// <summary>The web app trains nothing itself: a run for an engine or device it lacks waits for a worker that offers it.</summary>
    [Fact]
    public async Task Launch_TorchOnCuda_IsQueuedForAWorkerThatOffersIt()
    {
        using var api = app.CreateApiClient();
        int sft = await DatasetAsync(api, "arithmetic · SFT corpus");
        var response = await api.PostAsJsonAsync("/api/runs", new { name = "for a gpu", algorithm = "sft", config = new { engine = "torch", device = "cuda", max_steps = 5 }, source = new { datasetId = sft } });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        int id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt32();
        var run = JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{id}")).RootElement;
        Assert.Equal("Queued", run.GetProperty("status").GetString());
        Assert.Equal(("torch", "cuda"), (run.GetProperty("config").GetProperty("engine").GetString(), run.GetProperty("config").GetProperty("device").GetString()));
    }

    [Fact]
    public async Task Launch_GrpoWithoutAnyReward_IsRefusedAtLaunch_NotAtRunTime()
    {
        using var api = app.CreateApiClient();
        var imported = await api.PostAsync($"/api/datasets?name=prompts-{Guid.NewGuid():N}", new StringContent("{\"prompt\": \"Hello\"}\n", Encoding.UTF8, "application/x-ndjson"));
        int prompts = (await imported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var errors = await RefusedAsync(api, new { name = "grpo", algorithm = "grpo", config = new { }, source = new { datasetId = prompts } });
        Assert.StartsWith("GRPO needs a reward to optimize: choose a reward model", errors["rewardCheckpointId"][0]);
    }

    [Fact]
    public async Task Launch_FromAProjectThatFailsValidation_LeavesNoSnapshotBehind()
    {
        using var api = app.CreateApiClient();
        var created = await api.PostAsJsonAsync("/api/projects", new { name = $"all-or-nothing-{Guid.NewGuid():N}" });
        int project = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var items = "{\"prompt\": \"Sky?\", \"chosen\": \"Blue.\", \"rejected\": \"Green.\"}\n";
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/projects/{project}/items", new StringContent(items, Encoding.UTF8, "application/x-ndjson"))).StatusCode);
        int before = (await api.GetFromJsonAsync<JsonElement>("/api/datasets")).GetArrayLength();
        // DPO needs a base checkpoint: refused, and nothing was frozen.
        var errors = await RefusedAsync(api, new { name = "dpo", algorithm = "dpo", config = new { }, source = new { projectId = project } });
        Assert.True(errors.ContainsKey("baseCheckpointId"));
        Assert.Equal(before, (await api.GetFromJsonAsync<JsonElement>("/api/datasets")).GetArrayLength());
    }

    [Fact]
    public async Task Options_ListTheKeyTableForTheForm()
    {
        using var api = app.CreateApiClient();
        var options = await api.GetFromJsonAsync<JsonElement>("/api/runs/options?algorithm=grpo");
        var keys = options.EnumerateArray().ToDictionary(o => o.GetProperty("key").GetString()!);
        var generations = keys["num_generations"];
        Assert.Equal("integer", generations.GetProperty("type").GetString());
        Assert.Equal(8, generations.GetProperty("default").GetInt32());
        Assert.Equal(256, generations.GetProperty("max").GetDouble());
        Assert.Contains("TRL's default 8", generations.GetProperty("help").GetString());
        Assert.True(keys.ContainsKey("save_steps") && keys.ContainsKey("logging_steps") && keys.ContainsKey("eval_steps"));
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/api/runs/options?algorithm=kto")).StatusCode);
    }
}
