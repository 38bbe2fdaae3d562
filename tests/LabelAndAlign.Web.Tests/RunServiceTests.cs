using System.Diagnostics;
using System.Text.Json.Nodes;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Runs;
using LabelAndAlign.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace LabelAndAlign.Web.Tests;

public sealed class RunServiceTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private RunService Service(TestDatabase db) => new(db.Factory, new RunsNotifier(), new Services.Workers.EngineSignals(), TimeProvider.System,
        db.Settings, new Services.AuditLog(db.Factory, TimeProvider.System, new Microsoft.AspNetCore.Http.HttpContextAccessor()));

    private RunLauncher Launcher(TestDatabase db) => new(db.Factory, LabelingTestData.Datasets(db),
        new Services.Labeling.ExportService(db.Factory), new RunsNotifier(), new Services.Workers.EngineSignals(), TimeProvider.System,
        db.Settings, new Services.AuditLog(db.Factory, TimeProvider.System, new Microsoft.AspNetCore.Http.HttpContextAccessor()));

    private int AddRun(string name = "r", string config = "{}")
    {
        using var ctx = _db.CreateContext();
        var run = new Run { Name = name, Algorithm = "sft", ConfigJson = config, Status = RunStatus.Completed, CreatedAt = DateTime.UtcNow };
        ctx.Runs.Add(run);
        ctx.SaveChanges();
        return run.Id;
    }

    private void AddPoints(int runId, string name, int count, Func<int, double> value)
    {
        using var ctx = _db.CreateContext();
        var points = Enumerable.Range(1, count).Select(i => new MetricPoint { RunId = runId, Name = name, Step = i, Value = value(i), Time = 1_700_000_000.0 + i }).ToList();
        ctx.InTransactionAsync(null, c => ctx.BulkInsertAsync(points, c), CancellationToken.None).GetAwaiter().GetResult();
    }

    [Fact]
    public async Task Metrics_OneMillionPoints_DownsampledOnTheServer_KeepingTheSpike()
    {
        int run = AddRun();
        AddPoints(run, "loss", 1_000_000, i => i == 777_777 ? 50 : 1.0 / Math.Sqrt(i));
        var service = Service(_db);
        var clock = Stopwatch.StartNew();
        var points = await service.MetricsAsync(run, "loss", 1500);
        long cold = clock.ElapsedMilliseconds;
        clock.Restart();
        points = await service.MetricsAsync(run, "loss", 1500);
        clock.Stop();
        output.WriteLine($"1,000,000 points → {points.Count}: first call {cold} ms, warm {clock.ElapsedMilliseconds} ms (server side of drawing a million-point metric)");
        // 489 buckets of 16 stored blocks; a falling curve keeps two points of most (its first is its max, its last its min).
        Assert.InRange(points.Count, 950, 1500);
        Assert.Contains(points, p => p.Step == 777_777 && p.Value == 50);
        Assert.Equal(1_000_000, points[^1].Step);
        // Read from the stored blocks, yet exactly what one pass over every point keeps.
        var all = Enumerable.Range(1, 1_000_000).Select(i => new PointDto(i, i == 777_777 ? 50 : 1.0 / Math.Sqrt(i), 1_700_000_000.0 + i)).ToList();
        Assert.Equal(OnePass(all, 1500), points);

        // Zoom: the same budget over a narrow step range shows every point there.
        var zoomed = await service.MetricsAsync(run, "loss", 1500, 777_000, 778_000);
        Assert.Equal(1001, zoomed.Count);
    }

    /// <summary>What the block read must equal: every point added, in step order, to the same aligned buckets.</summary>
    private static List<PointDto> OnePass(IReadOnlyList<PointDto> points, int maxPoints)
    {
        var sampler = MetricDownsampler.Aligned(points[0].Step, points[^1].Step, maxPoints, MetricBlock.Steps);
        foreach (var p in points) sampler.Add(p);
        return sampler.Finish();
    }

    [Fact]
    public async Task Metrics_ALongSeries_ReadFromItsBlocks_AfterDeletesAndARangeCuttingBlocks_EqualsOnePassOverThePoints()
    {
        int run = AddRun(), other = AddRun("other");
        var random = new Random(17);
        var values = Enumerable.Range(0, 300_001).Select(_ => Math.Round(random.NextDouble() * 40) / 8).ToArray();
        AddPoints(run, "reward", 300_000, i => values[i]);
        AddPoints(other, "reward", 1000, i => 100);
        using (var ctx = _db.CreateContext())
        {
            // A resumed run drops what the interrupted attempt logged after its checkpoint (RunReports): those blocks go stale.
            ctx.MetricPoints.Where(p => p.RunId == run && p.Step > 250_000 && p.Step <= 250_300).ExecuteDelete();
            Assert.True(ctx.MetricBlocks.Count(b => b.RunId == run && b.Stale) >= 3, "the blocks of the deleted steps are stale");
            Assert.Equal(300_000 / MetricBlock.Steps + 1, ctx.MetricBlocks.Count(b => b.RunId == run));
        }
        // Logged again by the resumed attempt, with new values.
        await using (var ctx = _db.CreateContext())
        {
            var again = Enumerable.Range(250_001, 300).Select(i => new MetricPoint { RunId = run, Name = "reward", Step = i, Value = -i, Time = 1_700_000_000.0 + i }).ToList();
            await ctx.InTransactionAsync(null, c => ctx.BulkInsertAsync(again, c), CancellationToken.None);
        }
        var all = Enumerable.Range(1, 300_000).Select(i => new PointDto(i, i > 250_000 && i <= 250_300 ? -i : values[i], 1_700_000_000.0 + i)).ToList();
        var service = Service(_db);

        var whole = await service.MetricsAsync(run, "reward", 1500);
        Assert.Equal(OnePass(all, 1500), whole);
        Assert.Contains(whole, p => p.Step == 250_300 && p.Value == -250_300);

        // A zoom whose ends fall inside blocks: those ends come from the points, the rest from blocks.
        var zoomed = await service.MetricsAsync(run, "reward", 600, 1_000 + 37, 290_000 - 5);
        Assert.Equal(OnePass(all.Where(p => p.Step >= 1_037 && p.Step <= 289_995).ToList(), 600), zoomed);
    }

    [Fact]
    public async Task MetricNames_SortedDistinct_OnlyThatRuns_WithoutReadingEveryPoint()
    {
        int run = AddRun(), other = AddRun("other");
        AddPoints(run, "loss", 200_000, i => 1.0 / i);
        AddPoints(run, "rewards/chosen", 3, i => i);
        AddPoints(run, "entropy", 5, i => i);
        AddPoints(other, "kl", 2, i => i);
        var service = Service(_db);
        var clock = Stopwatch.StartNew();
        var names = await service.MetricNamesAsync(run);
        clock.Stop();
        output.WriteLine($"metric names of a run with 200,008 points: {clock.ElapsedMilliseconds} ms");
        Assert.Equal(["entropy", "loss", "rewards/chosen"], names);
        Assert.Equal(["kl"], await service.MetricNamesAsync(other));
        Assert.Empty(await service.MetricNamesAsync(AddRun("empty")));
    }

    [Fact]
    public async Task Metrics_MaxPointsOutOfRange_ThrowsNamingIt()
    {
        var e = await Assert.ThrowsAsync<Services.InputException>(() => Service(_db).MetricsAsync(AddRun(), "loss", 2));
        Assert.Equal("maxPoints", e.Field);
    }

    [Fact]
    public async Task MetricsCsv_HoldsExactlyThePointsTheChartsGet()
    {
        int a = AddRun("a, with comma"), b = AddRun("b");
        AddPoints(a, "loss", 10, i => i * 0.5);
        AddPoints(b, "reward", 3, i => -i);
        var service = Service(_db);
        var lines = (await service.MetricsCsvAsync([a, b], 1500)).TrimEnd('\n').Split('\n');
        Assert.Equal("run_id,run_name,metric,step,value,time", lines[0]);
        Assert.Equal(14, lines.Length);
        Assert.Equal($"{a},\"a, with comma\",loss,4,2,1700000004", lines[4]);
        Assert.Equal($"{b},b,reward,3,-3,1700000003", lines[^1]);
    }

    [Fact]
    public async Task Summaries_LastAndBestOfTheMainMetrics_LowestLoss_HighestAccuracy()
    {
        int sft = AddRun("sft");
        AddPoints(sft, "loss", 10, i => i == 6 ? 0.2 : 1.0 / i + 0.3); // lowest at step 6, ends at 0.4
        AddPoints(sft, "mean_token_accuracy", 10, i => i == 4 ? 0.9 : 0.1 * i / 2); // highest at step 4
        AddPoints(sft, "grad_norm", 10, i => i); // not a main metric
        int empty = AddRun("queued");
        var service = Service(_db);
        var runs = await service.ListAsync();

        var summaries = await service.SummariesAsync(runs);

        Assert.Empty(summaries[empty]);
        var s = summaries[sft];
        Assert.Equal(["loss", "mean_token_accuracy"], s.Select(m => m.Name));
        Assert.Equal(new MetricSummary("loss", MetricGoal.Minimize, 10, 0.4, 6, 0.2), s[0]);
        Assert.Equal(new MetricSummary("mean_token_accuracy", MetricGoal.Maximize, 10, 0.5, 4, 0.9), s[1]);
    }

    [Theory]
    [InlineData("dpo", "loss,rewards/accuracies,rewards/margins")]
    [InlineData("reward", "loss,accuracy")]
    [InlineData("ppo", "objective/rlhf_reward,objective/scores")]
    [InlineData("grpo", "reward")]
    public void MainMetrics_AreTrlsNamesForTheAlgorithm(string algorithm, string names) =>
        Assert.Equal(names, string.Join(",", RunMetrics.For(algorithm).Select(m => m.Name)));

    [Fact]
    public void DifferingKeys_ListsOnlyKeysWhoseValuesDiffer()
    {
        var configs = new List<JsonObject>
        {
            JsonNode.Parse("""{"learning_rate": 0.001, "per_device_train_batch_size": 8, "beta": 0.1}""")!.AsObject(),
            JsonNode.Parse("""{"learning_rate": 0.003, "per_device_train_batch_size": 8}""")!.AsObject(),
        };
        Assert.Equal(["beta", "learning_rate"], RunService.DifferingKeys(configs));
    }

    [Fact]
    public async Task Lineage_OfARunOnAProjectSnapshot_ListsTheProjectItsLabelsAndTheLabelers()
    {
        int u1 = await LabelingTestData.AddUserAsync(_db, "ann@example.com"), u2 = await LabelingTestData.AddUserAsync(_db, "bob@example.com");
        int project = await LabelingTestData.AddProjectAsync(_db, u1, labelsPerItem: 2);
        await LabelingTestData.JoinAsync(_db, project, u2);
        await LabelingTestData.AddItemsAsync(_db, project, 3);
        foreach (var (u, seed) in new[] { (u1, 11), (u2, 12) })
        {
            var queue = new Services.Labeling.LabelingQueue(_db.Factory, TimeProvider.System, new Services.Labeling.LabelingRandom(seed));
            while (await queue.NextAsync(project, u) is { } v)
                await queue.SubmitAsync(v.AssignmentId, u, new Services.Labeling.LabelInput(v.Left.StartsWith("a-", StringComparison.Ordinal) ? "left" : "right"));
        }

        var dataset = await LabelingTestData.Datasets(_db)
            .SnapshotProjectAsync(project, new Services.Labeling.ExportService(_db.Factory), u1);
        var service = Service(_db);
        var run = await Launcher(_db).LaunchAsync(new LaunchRequest("rm", "reward", new JsonObject { ["max_steps"] = 2 }, dataset.Id, null), u1);

        var lineage = (await service.GetAsync(run.Id))!.Lineage!;
        Assert.Equal(dataset.Id, lineage.DatasetId);
        Assert.Equal(project, lineage.ProjectId);
        Assert.Equal("Test project", lineage.ProjectName);
        Assert.Equal(6, lineage.LabelCount);
        Assert.Equal(new[] { "ann@example.com", "bob@example.com" }, lineage.Labelers);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"https://evil.example\",\"x\")", "\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"x\"\")\"")]
    [InlineData("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1:A9)", "'@SUM(A1:A9)")]
    [InlineData("lr 3e-4", "lr 3e-4")]
    public async Task MetricsCsv_ARunNamedLikeAFormula_IsWrittenAsText(string name, string cell)
    {
        int run = AddRun(name);
        AddPoints(run, "loss", 2, i => -i);
        var lines = (await Service(_db).MetricsCsvAsync([run], 1500)).TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.StartsWith($"{run},{cell},loss,", l));
        Assert.EndsWith(",-1,1700000001", lines[1]); // numbers stay numbers, a minus sign included
    }
}
