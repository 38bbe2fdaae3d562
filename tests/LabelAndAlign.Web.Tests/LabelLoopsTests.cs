using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Labeling;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LabelAndAlign.Web.Tests.LabelingTestData;

namespace LabelAndAlign.Web.Tests;

public class LabelLoopsTests
{
    private static async Task<Run> RunAsync(SoloProject s, int every = 5, RunStatus status = RunStatus.Running, int step = 0)
    {
        var run = new Run
        {
            Name = "loop", Algorithm = "dpo", Status = status, Step = step, TotalSteps = 20, CreatedAt = DateTime.UtcNow,
            ConfigJson = $$"""{"online": true, "judge": "people", "label_project": {{s.Project}}, "label_every": {{every}}, "label_pairs": 4}""",
        };
        s.Context.Runs.Add(run);
        await s.Context.SaveChangesAsync();
        return run;
    }

    private static LabelRoundRequest Round(int step, int pairs, string tag = "") => new(step,
        Enumerable.Range(0, pairs).Select(i => new LabelRoundPair(10 + i, $"prompt {i}", $"first {i}{tag}", $"second {i}{tag}")).ToList());

    /// <summary>The labeler takes the next item and picks the response whose text starts with <paramref name="pick"/> (or a tie / both bad).</summary>
    private static async Task LabelNextAsync(SoloProject s, int labeler, Func<int, string> pick)
    {
        var queue = new LabelingQueue(s.Db.Factory, TimeProvider.System, new LabelingRandom(labeler));
        var next = (await queue.NextAsync(s.Project, labeler))!;
        int pair = int.Parse(next.Prompt.Split(' ')[^1]);
        string want = pick(pair);
        string choice = want is Choices.Tie or Choices.BothBad ? want : next.Left.StartsWith(want) ? "left" : "right";
        await queue.SubmitAsync(next.AssignmentId, labeler, new LabelInput(choice));
    }

    [Fact]
    public async Task Send_MakesARoundsItemsOnce_TheModelsHidden_SayingWhichRunAndRoundMadeThem()
    {
        await using var s = await SoloProject.CreateAsync(items: 0);
        var run = await RunAsync(s);
        var loops = new LabelLoops(s.Db.Factory, Importer(s.Db));

        var first = await loops.SendAsync(run, 2, Round(10, 3));
        var again = await loops.SendAsync(run, 2, Round(10, 3, " resent")); // a retried call, or a resumed run sampling again

        Assert.Equal((2, 0, 3), (first.Round, first.Labeled, first.Total));
        Assert.Empty(first.Pairs);
        Assert.Equal((0, 3), (again.Labeled, again.Total));
        var items = await s.Context.Items.AsNoTracking().Where(i => i.ProjectId == s.Project).OrderBy(i => i.Id).ToListAsync();
        Assert.Equal(3, items.Count);
        Assert.Equal([$"run {run.Id} · round 2 · pair 0 · prompt 10", $"run {run.Id} · round 2 · pair 1 · prompt 11", $"run {run.Id} · round 2 · pair 2 · prompt 12"],
            items.Select(i => i.ExternalId));
        Assert.All(items, i => Assert.DoesNotContain("resent", i.ResponseA + i.ResponseB));
        Assert.All(items, i => Assert.Equal([$"run {run.Id} · step 10 · sample 1", $"run {run.Id} · step 10 · sample 2"], new[] { i.ModelA, i.ModelB }.Order()));
        Assert.Equal("prompt 1", items[1].PromptText);
    }

    [Fact]
    public async Task State_ReadsTheResolvedLabelsBack_AsChosenAndRejected_LeavingTiesBothBadAndSplitsOut()
    {
        await using var s = await SoloProject.CreateAsync(items: 0, labelsPerItem: 2);
        int second = await AddUserAsync(s.Db, "l2@example.com");
        await JoinAsync(s.Db, s.Project, second);
        var run = await RunAsync(s);
        var loops = new LabelLoops(s.Db.Factory, Importer(s.Db));
        await loops.SendAsync(run, 0, Round(0, 5));
        Assert.Equal(new LabelLoopStatus(s.Project, "Test project", 0, 0, 5), await loops.WaitingAsync(run.Id));

        // Pair 0: both prefer the first; 1: both call it a tie; 2: both prefer the second; 3: split; 4: both bad.
        string[][] picks = [["first", "first"], [Choices.Tie, Choices.Tie], ["second", "second"], ["first", "second"], [Choices.BothBad, Choices.BothBad]];
        for (int i = 0; i < 5; i++) await LabelNextAsync(s, s.User, pair => picks[pair][0]);
        var half = await loops.StateAsync(run, 0);
        Assert.Equal((0, 5), (half.Labeled, half.Total)); // one label of the two each item needs
        Assert.Equal(new LabelLoopStatus(s.Project, "Test project", 0, 0, 5), await loops.WaitingAsync(run.Id));
        for (int i = 0; i < 5; i++) await LabelNextAsync(s, second, pair => picks[pair][1]);

        var state = await loops.StateAsync(run, 0);
        Assert.Equal((5, 5), (state.Labeled, state.Total));
        Assert.Equal([new LabeledRoundPair(10, "first 0", "second 0"), new LabeledRoundPair(12, "second 2", "first 2")], state.Pairs);
        Assert.Null(await loops.WaitingAsync(run.Id)); // labeled: the run trains
    }

    [Fact]
    public async Task State_OfALaterRound_KeepsEveryEarlierRoundsPairs_AndWaitingNamesTheNewestRound()
    {
        await using var s = await SoloProject.CreateAsync(items: 0);
        var run = await RunAsync(s, every: 5, step: 5);
        var loops = new LabelLoops(s.Db.Factory, Importer(s.Db));
        await loops.SendAsync(run, 0, Round(0, 2));
        for (int i = 0; i < 2; i++) await LabelNextAsync(s, s.User, _ => "second");
        await loops.SendAsync(run, 1, Round(5, 2, " r1"));

        var state = await loops.StateAsync(run, 1);
        Assert.Equal((0, 2), (state.Labeled, state.Total));
        Assert.Equal([new LabeledRoundPair(10, "second 0", "first 0"), new LabeledRoundPair(11, "second 1", "first 1")], state.Pairs);
        Assert.Equal(new LabelLoopStatus(s.Project, "Test project", 1, 0, 2), await loops.WaitingAsync(run.Id));
    }

    [Fact]
    public async Task Send_ToAnArchivedProject_SaysHowToGoOn()
    {
        await using var s = await SoloProject.CreateAsync(items: 0);
        var run = await RunAsync(s);
        await s.Context.Projects.Where(p => p.Id == s.Project).ExecuteUpdateAsync(u => u.SetProperty(p => p.ArchivedAt, DateTime.UtcNow));
        var loops = new LabelLoops(s.Db.Factory, Importer(s.Db));

        var e = await Assert.ThrowsAsync<InputException>(() => loops.SendAsync(run, 0, Round(0, 2)));

        Assert.Equal("label_project", Assert.Single(e.Errors).Field);
        Assert.Contains("'Test project' was archived", e.Message);
        Assert.Contains("restore the project", e.Message);
        Assert.Equal(0, await s.Context.Items.CountAsync());
        Assert.Equal("label_project", Assert.Single((await Assert.ThrowsAsync<InputException>(() => loops.StateAsync(run, 0))).Errors).Field);
    }

    [Fact]
    public void ProjectOf_OnlyARunJudgedByPeople_HasOne()
    {
        Assert.Equal(7, LabelLoops.ProjectOf(new Run { Name = "x", Algorithm = "dpo", ConfigJson = """{"online": true, "judge": "people", "label_project": 7}""" }));
        Assert.Null(LabelLoops.ProjectOf(new Run { Name = "x", Algorithm = "dpo", ConfigJson = """{"online": true, "judge": "auto", "label_project": 7}""" }));
        Assert.Null(LabelLoops.ProjectOf(new Run { Name = "x", Algorithm = "sft", ConfigJson = "{}" }));
    }

    private static async Task<int> PostAsync(HttpClient api, string path, object body)
    {
        var response = await api.PostAsJsonAsync(path, body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK || response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetInt32();
    }

    private static async Task<JsonElement> RunAsync(HttpClient api, int id) => await api.GetFromJsonAsync<JsonElement>($"/api/runs/{id}");

    private static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, int seconds = 180)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        T value;
        while (!done(value = await read()))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not happen within {seconds} s; last seen: {value}");
            await Task.Delay(200);
        }
        return value;
    }

    /// <summary>A tiny SFT base trained by the host's local worker, the arithmetic prompts, and a project the admin leads (as its creator).</summary>
    private static async Task<(int Prompts, int BaseCheckpoint, int Project, int Admin)> LoopSetupAsync(TestDatabase db, HttpClient api)
    {
        var datasets = await api.GetFromJsonAsync<JsonElement>("/api/datasets");
        int Dataset(string name) => datasets.EnumerateArray().First(d => d.GetProperty("name").GetString() == name).GetProperty("id").GetInt32();
        int sft = await PostAsync(api, "/api/runs", new { name = "base", algorithm = "sft", config = new { max_steps = 2, per_device_train_batch_size = 4, save_steps = 2 }, source = new { datasetId = Dataset("arithmetic · SFT corpus") } });
        await UntilAsync(() => RunAsync(api, sft), r => r.GetProperty("status").GetString() is "Completed" or "Failed", "the base run");
        int baseCheckpoint = (await api.GetFromJsonAsync<JsonElement>($"/api/runs/{sft}/checkpoints")).EnumerateArray().First().GetProperty("id").GetInt32();
        int project = await PostAsync(api, "/api/projects", new { name = "loop labels" });
        await using var ctx = db.CreateContext();
        int admin = await ctx.Users.Where(u => u.Email == AppFactory.AdminEmail).Select(u => u.Id).SingleAsync();
        return (Dataset("arithmetic · prompts"), baseCheckpoint, project, admin);
    }

    [Fact]
    public async Task ALocalWorker_WhoseProjectIsArchivedWhileItWaits_FailsTheRunSayingWhatToDo()
    {
        using var db = new TestDatabase(migrate: false);
        using var host = new WorkerHost(db);
        using var api = host.Api();
        var (prompts, baseCheckpoint, project, _) = await LoopSetupAsync(db, api);
        int run = await PostAsync(api, "/api/runs", new
        {
            name = "loop", algorithm = "dpo", source = new { datasetId = prompts }, baseCheckpointId = baseCheckpoint,
            config = new { online = true, judge = "people", label_project = project, label_every = 2, label_pairs = 2, max_steps = 4, per_device_train_batch_size = 2, max_new_tokens = 6 },
        });
        await UntilAsync(() => host.Service(sp => sp.GetRequiredService<LabelLoops>()).WaitingAsync(run), w => w is not null, "round 0's items");

        (await api.PostAsync($"/api/projects/{project}/archive", null)).EnsureSuccessStatusCode();

        var done = await UntilAsync(() => RunAsync(api, run), r => r.GetProperty("status").GetString() is "Completed" or "Failed" or "Cancelled", "the run's end", 60);
        Assert.Equal("Failed", done.GetProperty("status").GetString());
        Assert.StartsWith($"Run {run}'s labeling project 'loop labels' was archived, so its rounds cannot be labeled; restore the project", done.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ALocalWorker_SendsARoundEveryNSteps_WaitsForItsLabels_AndTrainsOnThem_ToTheEnd()
    {
        using var db = new TestDatabase(migrate: false);
        using var host = new WorkerHost(db);
        using var api = host.Api();
        var (prompts, baseCheckpoint, project, admin) = await LoopSetupAsync(db, api);
        int run = await PostAsync(api, "/api/runs", new
        {
            name = "loop", algorithm = "dpo", source = new { datasetId = prompts }, baseCheckpointId = baseCheckpoint,
            config = new { online = true, judge = "people", label_project = project, label_every = 2, label_pairs = 3, max_steps = 4, per_device_train_batch_size = 2, max_new_tokens = 6, save_steps = 2 },
        });
        var loops = (IServiceProvider sp) => sp.GetRequiredService<LabelLoops>();

        foreach (int round in new[] { 0, 1 })
        {
            // The round's items arrive; the run waits, saying so, without training past the round's start.
            var waiting = await UntilAsync(() => host.Service(loops).WaitingAsync(run), w => w is { Round: var r } && r == round, $"round {round}'s items");
            Assert.Equal(new LabelLoopStatus(project, "loop labels", round, 0, 3), waiting);
            await Task.Delay(1000);
            Assert.Equal(2 * round, (await RunAsync(api, run)).GetProperty("step").GetInt32());
            for (int i = 0; i < 3; i++)
            {
                using var scope = host.Services.CreateScope();
                var queue = scope.ServiceProvider.GetRequiredService<LabelingQueue>();
                var next = (await queue.NextAsync(project, admin))!;
                await queue.SubmitAsync(next.AssignmentId, admin, new LabelInput(i == 2 ? Choices.Tie : "left"));
            }
        }

        var done = await UntilAsync(() => RunAsync(api, run), r => r.GetProperty("status").GetString() is "Completed" or "Failed" or "Cancelled", "the run's end");
        Assert.True(done.GetProperty("status").GetString() == "Completed", done.ToString());
        var pairs = (await api.GetFromJsonAsync<JsonElement>($"/api/runs/{run}/metrics?name=labels/pairs&maxPoints=100")).EnumerateArray()
            .Select(p => (p.GetProperty("step").GetInt32(), p.GetProperty("value").GetDouble())).ToList();
        Assert.Equal([(1, 2.0), (2, 2.0), (3, 4.0), (4, 4.0)], pairs); // two preferences a round (the third pair was a tie), every round's kept
        await using var check = db.CreateContext();
        Assert.Equal(6, await check.Items.CountAsync(i => i.ProjectId == project));
    }
}
