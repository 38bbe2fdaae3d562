using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// Item generation from checkpoints: checked here, sampled by a worker. Each test's database is served by the app with
/// its local worker (<see cref="WorkerHost"/>), which claims the generation, downloads the checkpoints and sends the
/// responses back; the generator waits for them and imports the items.
/// </summary>
public sealed class CandidateGeneratorTests(AppFactory app) : IClassFixture<AppFactory>, IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly GenerationSlots _slots = new(Microsoft.Extensions.Options.Options.Create(new LabelingOptions()));
    private WorkerHost? _host;

    public void Dispose()
    {
        _host?.Dispose();
        _slots.Dispose();
        _db.Dispose();
    }

    /// <summary>The app with its local worker over this test's database, started on first use.</summary>
    private WorkerHost Host()
    {
        if (_host is null)
        {
            _host = new WorkerHost(_db);
            _ = _host.Address;
        }
        return _host;
    }

    private const string Corpus = "The cat sat on the mat. The dog ran in the park. A bird sang a song. Write a poem about the sea and the sky.";

    /// <summary>
    /// A randomly initialised tiny GPT with a tokenizer trained on a small corpus, saved into
    /// <paramref name="dataDirectory"/>/runs/{run}/checkpoint-{step} and registered as a run checkpoint.
    /// </summary>
    internal static async Task<int> AddCheckpointAsync(AppDbContext ctx, string dataDirectory, int step, int seed, int? vocabOverride = null)
    {
        var tokenizer = BpeTrainer.Train(Corpus, new BpeTrainerOptions { VocabSize = 300 });
        var config = new GptConfig { VocabSize = vocabOverride ?? tokenizer.VocabSize, BlockSize = 64, Channels = 32, Layers = 1, Heads = 2 };
        var run = new Run { Name = $"tiny {seed}", Algorithm = "sft", Status = RunStatus.Completed, CreatedAt = DateTime.UtcNow };
        ctx.Runs.Add(run);
        await ctx.SaveChangesAsync();
        string relative = $"runs/{run.Id}/checkpoint-{step}";
        string folder = Path.Combine(dataDirectory, relative);
        Checkpoint.Save(folder, new Gpt(config, seed).Parameters);
        TokenizerFiles.Save(tokenizer, folder);
        var checkpoint = new RunCheckpoint { RunId = run.Id, Step = step, Path = relative, CreatedAt = DateTime.UtcNow };
        ctx.RunCheckpoints.Add(checkpoint);
        await ctx.SaveChangesAsync();
        return checkpoint.Id;
    }

    /// <summary>A generator over the test's database whose jobs go to the test's worker (woken through its app's hub).</summary>
    private CandidateGenerator Generator(TestDatabase db)
    {
        var signals = Host().Services.GetRequiredService<Services.Workers.EngineSignals>();
        var jobs = new Services.Workers.GenerationJobs(db.Factory, TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new Services.Workers.TrainingOptions()),
            signals, Microsoft.Extensions.Logging.Abstractions.NullLogger<Services.Workers.GenerationJobs>.Instance);
        return new(db.Factory, LabelingTestData.Importer(db), _slots, jobs, db.Settings);
    }

    private static async Task<int> CreateProjectAsync(HttpClient admin, string name)
    {
        var created = await admin.PostAsJsonAsync("/api/projects", new { name });
        return JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt32();
    }

    /// <summary>A tiny checkpoint registered in the test app's own database and data folder.</summary>
    private async Task<int> AddAppCheckpointAsync(int step)
    {
        await using var db = app.CreateDbContext();
        return await AddCheckpointAsync(db, app.DataDirectory, step, seed: 4);
    }

    private static CandidateGenerator.Request Request(int a, int? b = null, IReadOnlyList<string>? prompts = null) => new()
    {
        CheckpointA = a, CheckpointB = b, Prompts = prompts ?? ["Write a poem about the sea.", "The cat sat", "Tell me about the dog."],
        MaxNewTokens = 12, Temperature = 1f, Seed = 5,
    };

    [Fact]
    public async Task Generate_TwoCheckpoints_ImportsItemsWithModelNames_LabelerGetsThem()
    {
        int lead = await LabelingTestData.AddUserAsync(_db, "lead@example.com", UserRole.Lead);
        int labeler = await LabelingTestData.AddUserAsync(_db, "labeler@example.com");
        int project = await LabelingTestData.AddProjectAsync(_db, lead, labelsPerItem: 1);
        await LabelingTestData.JoinAsync(_db, project, labeler);
        await using var ctx = _db.CreateContext();
        int a = await AddCheckpointAsync(ctx, _db.Directory, 400, seed: 1);
        int b = await AddCheckpointAsync(ctx, _db.Directory, 800, seed: 2);
        var runA = (await ctx.RunCheckpoints.FindAsync(a))!.RunId;
        var runB = (await ctx.RunCheckpoints.FindAsync(b))!.RunId;

        var reports = new List<CandidateGenerator.Progress>();
        int imported = await Generator(_db).GenerateAsync(project, Request(a, b), new SyncProgress(reports.Add));

        Assert.Equal(3, imported);
        Assert.Equal(new CandidateGenerator.Progress(6, 6), reports[^1]);
        var items = await ctx.Items.AsNoTracking().Where(i => i.ProjectId == project).OrderBy(i => i.Id).ToListAsync();
        Assert.Equal(3, items.Count);
        Assert.Equal(["Write a poem about the sea.", "The cat sat", "Tell me about the dog."], items.Select(i => i.PromptText));
        Assert.All(items, i =>
        {
            Assert.False(string.IsNullOrWhiteSpace(i.ResponseA));
            Assert.False(string.IsNullOrWhiteSpace(i.ResponseB));
            Assert.Equal($"run {runA} · step 400", i.ModelA);
            Assert.Equal($"run {runB} · step 800", i.ModelB);
            Assert.False(i.IsGold);
        });

        var queue = new LabelingQueue(_db.Factory, TimeProvider.System, new LabelingRandom(3));
        var next = await queue.NextAsync(project, labeler);
        Assert.NotNull(next);
        Assert.Contains(next.Prompt, items.Select(i => i.PromptText));
        Assert.DoesNotContain($"run {runA}", next.Left + next.Right);
    }

    [Fact]
    public async Task Generate_OneCheckpoint_SamplesTwiceWithDifferentSeeds_SameSeedSameText()
    {
        int lead = await LabelingTestData.AddUserAsync(_db, "lead@example.com", UserRole.Lead);
        int p1 = await LabelingTestData.AddProjectAsync(_db, lead, labelsPerItem: 1);
        int p2 = await LabelingTestData.AddProjectAsync(_db, lead, labelsPerItem: 1);
        await using var ctx = _db.CreateContext();
        int a = await AddCheckpointAsync(ctx, _db.Directory, 100, seed: 1);
        int run = (await ctx.RunCheckpoints.FindAsync(a))!.RunId!.Value;

        Assert.Equal(3, await Generator(_db).GenerateAsync(p1, Request(a)));
        Assert.Equal(3, await Generator(_db).GenerateAsync(p2, Request(a)));

        var first = await ctx.Items.AsNoTracking().Where(i => i.ProjectId == p1).OrderBy(i => i.Id).ToListAsync();
        var second = await ctx.Items.AsNoTracking().Where(i => i.ProjectId == p2).OrderBy(i => i.Id).ToListAsync();
        Assert.Equal($"run {run} · step 100 · seed 5", first[0].ModelA);
        Assert.Equal($"run {run} · step 100 · seed 6", first[0].ModelB);
        Assert.Contains(first, i => i.ResponseA != i.ResponseB);
        Assert.Equal(first.Select(i => (i.ResponseA, i.ResponseB)), second.Select(i => (i.ResponseA, i.ResponseB)));
    }

    [Fact]
    public async Task Generate_BadInput_Throws_NamingTheField_AndImportsNothing()
    {
        int lead = await LabelingTestData.AddUserAsync(_db, "lead@example.com", UserRole.Lead);
        int project = await LabelingTestData.AddProjectAsync(_db, lead, labelsPerItem: 1);
        await using var ctx = _db.CreateContext();
        int a = await AddCheckpointAsync(ctx, _db.Directory, 100, seed: 1);
        var gen = Generator(_db);

        async Task<string> Field(CandidateGenerator.Request r) => (await Assert.ThrowsAsync<InputException>(() => gen.GenerateAsync(project, r))).Field;

        Assert.Equal("prompts", await Field(Request(a, prompts: ["", "  "])));
        Assert.Equal("prompts", await Field(Request(a, prompts: Enumerable.Range(0, CandidateGenerator.MaxPrompts + 1).Select(i => $"p{i}").ToList())));
        Assert.Equal("checkpointA", await Field(Request(a) with { CheckpointA = null }));
        Assert.Equal("checkpointA", await Field(Request(9999)));
        Assert.Equal("checkpointB", await Field(Request(a, 9999)));
        Assert.Equal("maxNewTokens", await Field(Request(a) with { MaxNewTokens = 0 }));
        Assert.Equal("temperature", await Field(Request(a) with { Temperature = 0 })); // one checkpoint, greedy: both sides would match
        Assert.Equal("topP", await Field(Request(a) with { TopP = 0 }));
        Assert.Equal("datasetId", await Field(Request(a, prompts: []) with { DatasetId = 9999 }));

        // A checkpoint whose folder was deleted from disk.
        int gone = await AddCheckpointAsync(ctx, _db.Directory, 200, seed: 2);
        Directory.Delete(Path.Combine(_db.Directory, (await ctx.RunCheckpoints.FindAsync(gone))!.Path), recursive: true);
        Assert.Equal("checkpointB", await Field(Request(a, gone)));

        // A tokenizer larger than the model's vocabulary.
        int mismatch = await AddCheckpointAsync(ctx, _db.Directory, 300, seed: 3, vocabOverride: 260);
        Assert.Equal("checkpointB", await Field(Request(a, mismatch)));

        Assert.Equal(0, await ctx.Items.CountAsync(i => i.ProjectId == project));
    }

    [Fact]
    public async Task Generate_FromPromptOnlyDataset()
    {
        int lead = await LabelingTestData.AddUserAsync(_db, "lead@example.com", UserRole.Lead);
        int project = await LabelingTestData.AddProjectAsync(_db, lead, labelsPerItem: 1);
        await using var ctx = _db.CreateContext();
        int a = await AddCheckpointAsync(ctx, _db.Directory, 100, seed: 1);
        var dataset = new Dataset { Name = "prompts", Kind = "prompt_only", RowCount = 2, Source = "import:test", CreatedAt = DateTime.UtcNow };
        ctx.Datasets.Add(dataset);
        await ctx.SaveChangesAsync();
        ctx.DatasetRows.AddRange(
            new DatasetRow { DatasetId = dataset.Id, Line = 1, Json = """{"prompt": "The cat sat"}""" },
            new DatasetRow { DatasetId = dataset.Id, Line = 2, Json = """{"prompt": "A bird sang"}""" });
        await ctx.SaveChangesAsync();

        Assert.Equal(2, await Generator(_db).GenerateAsync(project, Request(a, prompts: []) with { DatasetId = dataset.Id }));
        Assert.Equal(["The cat sat", "A bird sang"], await ctx.Items.Where(i => i.ProjectId == project).OrderBy(i => i.Id).Select(i => i.PromptText).ToListAsync());
    }

    [Fact]
    public async Task Generate_WhileAnotherGenerationRuns_IsRefusedAsAConflict_ThenWorks()
    {
        int lead = await LabelingTestData.AddUserAsync(_db, "lead@example.com", UserRole.Lead);
        int project = await LabelingTestData.AddProjectAsync(_db, lead, labelsPerItem: 1);
        await using var ctx = _db.CreateContext();
        int a = await AddCheckpointAsync(ctx, _db.Directory, 100, seed: 1);

        using (var running = _slots.TryTake())
        {
            Assert.NotNull(running);
            var e = await Assert.ThrowsAsync<InputException>(() => Generator(_db).GenerateAsync(project, Request(a)));
            Assert.True(e.IsConflict);
            Assert.Equal("generation", e.Field);
            Assert.Contains("Another generation is running", e.Message);
            Assert.Equal(0, await ctx.Items.CountAsync(i => i.ProjectId == project));
        }
        Assert.Equal(3, await Generator(_db).GenerateAsync(project, Request(a)));
        // The slot came back after that generation too.
        using var after = _slots.TryTake();
        Assert.NotNull(after);
    }

    [Fact]
    public async Task PromptSources_ListPromptDatasetsThatFitOneRequest_Only()
    {
        await using var ctx = _db.CreateContext();
        Dataset Add(string name, string kind, int rows) => ctx.Datasets.Add(new Dataset { Name = name, Kind = kind, RowCount = rows, Source = $"import:{name}", CreatedAt = DateTime.UtcNow }).Entity;
        var prompts = Add("prompts", "prompt_only", 40);
        var sft = Add("sft pairs", "prompt_completion", CandidateGenerator.MaxPrompts);
        Add("too many", "prompt_only", CandidateGenerator.MaxPrompts + 1);
        Add("preferences", "preference", 10);
        await ctx.SaveChangesAsync();

        var sources = await Generator(_db).PromptSourcesAsync();
        Assert.Equal([(sft.Id, "sft pairs", 500), (prompts.Id, "prompts", 40)], sources.Select(x => (x.Id, x.Name, x.Rows)));
    }

    [Fact]
    public async Task Api_Generate_WhileAnotherRuns_409()
    {
        var admin = app.CreateApiClient();
        int project = await CreateProjectAsync(admin, "Generate API busy");
        int checkpoint = await AddAppCheckpointAsync(60);

        using var running = app.Services.GetRequiredService<GenerationSlots>().TryTake();
        Assert.NotNull(running);
        var response = await admin.PostAsJsonAsync($"/api/projects/{project}/generate", new { checkpointA = checkpoint, prompts = new[] { "The cat sat" }, seed = 2 });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("Another generation is running", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Api_Generate_BadInput_400_AndLabelerForbidden()
    {
        var admin = app.CreateApiClient();
        int project = await CreateProjectAsync(admin, "Generate API");

        var missing = await admin.PostAsJsonAsync($"/api/projects/{project}/generate", new { checkpointA = 987654, prompts = new[] { "hi" } });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("checkpointA", await missing.Content.ReadAsStringAsync());

        var noPrompts = await admin.PostAsJsonAsync($"/api/projects/{project}/generate", new { checkpointA = 1, prompts = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.BadRequest, noPrompts.StatusCode);
        Assert.Contains("prompts", await noPrompts.Content.ReadAsStringAsync());

        var unknown = await admin.PostAsJsonAsync("/api/projects/987654/generate", new { checkpointA = 1, prompts = new[] { "hi" } });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var openApi = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;
        var post = openApi.GetProperty("paths").GetProperty("/api/projects/{id}/generate").GetProperty("post");
        Assert.Contains("two responses per prompt", post.GetProperty("summary").GetString());
    }

    [Fact]
    public async Task Api_Generate_ImportsItems()
    {
        using var admin = Host().Api();
        int project = await CreateProjectAsync(admin, "Generate API ok");
        int checkpoint;
        await using (var ctx = _db.CreateContext()) checkpoint = await AddCheckpointAsync(ctx, _db.Directory, 50, seed: 4);

        var response = await admin.PostAsJsonAsync($"/api/projects/{project}/generate",
            new { checkpointA = checkpoint, prompts = new[] { "The cat sat", "A bird sang" }, maxNewTokens = 8, temperature = 0.9, seed = 2 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("imported").GetInt32());
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool, which would race the assertions).</summary>
    private sealed class SyncProgress(Action<CandidateGenerator.Progress> report) : IProgress<CandidateGenerator.Progress>
    {
        public void Report(CandidateGenerator.Progress value) => report(value);
    }
}
