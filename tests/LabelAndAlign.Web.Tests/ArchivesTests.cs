using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Archiving;
using LabelAndAlign.Web.Services.Labeling;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace LabelAndAlign.Web.Tests;

public sealed class ArchivesTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private static AuditLog Audit(TestDatabase db) => new(db.Factory, TimeProvider.System, new Microsoft.AspNetCore.Http.HttpContextAccessor());

    private static RunService RunsOf(TestDatabase db) => new(db.Factory, new RunsNotifier(), new Services.Workers.EngineSignals(), TimeProvider.System, db.Settings, Audit(db));

    private static Archives ArchivesOf(TestDatabase db, LabelingEvents? events = null) =>
        new(db.Factory, RunsOf(db), db.Settings, Audit(db), TimeProvider.System, NullLogger<Archives>.Instance, events);

    private RunService Runs => RunsOf(_db);

    private Archives Archives => ArchivesOf(_db);

    private Task<List<string>> AuditAsync() => AuditAsync(_db);

    private static async Task<List<string>> AuditAsync(TestDatabase db)
    {
        await using var ctx = db.CreateContext();
        return await ctx.AuditEvents.OrderBy(e => e.Id).Select(e => e.Action + ": " + e.Detail).ToListAsync();
    }

    private async Task<int> AddDatasetAsync(string name = "prefs", int rows = 3, string? source = null)
    {
        await using var ctx = _db.CreateContext();
        var d = new Dataset { Name = name, Kind = "preference", RowCount = rows, Source = source ?? $"import:{Guid.NewGuid():N}", CreatedAt = DateTime.UtcNow };
        ctx.Datasets.Add(d);
        await ctx.SaveChangesAsync();
        ctx.DatasetRows.AddRange(Enumerable.Range(1, rows).Select(i => new DatasetRow { DatasetId = d.Id, Line = i, Json = "{}" }));
        await ctx.SaveChangesAsync();
        return d.Id;
    }

    private async Task<int> AddRunAsync(string name = "run", int? dataset = null, RunStatus status = RunStatus.Completed, int? baseCheckpoint = null,
        int? rewardCheckpoint = null, DateTime? leaseExpiresAt = null)
    {
        await using var ctx = _db.CreateContext();
        var run = new Run
        {
            Name = name, Algorithm = "sft", Status = status, DatasetId = dataset, BaseCheckpointId = baseCheckpoint, RewardCheckpointId = rewardCheckpoint,
            CreatedAt = DateTime.UtcNow, StartedAt = status == RunStatus.Queued ? null : DateTime.UtcNow, Step = 10, TotalSteps = 20,
            LeaseOwner = leaseExpiresAt is null ? null : "worker-session", LeaseExpiresAt = leaseExpiresAt,
        };
        ctx.Runs.Add(run);
        await ctx.SaveChangesAsync();
        ctx.MetricPoints.Add(new MetricPoint { RunId = run.Id, Name = "loss", Step = 1, Value = 1 });
        ctx.RunSamples.Add(new RunSample { RunId = run.Id, Step = 10, Prompt = "p", Completion = "c" });
        await ctx.SaveChangesAsync();
        return run.Id;
    }

    /// <summary>A checkpoint row with a folder holding one file, as a run (or an upload, without <paramref name="run"/>) leaves it.</summary>
    private async Task<(int Id, string Folder)> AddCheckpointAsync(int? run, int step = 10)
    {
        string path = run is int r ? $"runs/{r}/checkpoints/checkpoint-{step}" : $"models/{Guid.NewGuid():N}";
        string folder = Path.Combine(_db.Directory, path);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "config.json"), "{}");
        await using var ctx = _db.CreateContext();
        var c = new RunCheckpoint { RunId = run, Step = run is null ? 0 : step, Name = run is null ? "uploaded gpt2" : null, Path = path, CreatedAt = DateTime.UtcNow };
        ctx.RunCheckpoints.Add(c);
        await ctx.SaveChangesAsync();
        return (c.Id, folder);
    }

    [Fact]
    public async Task RemoveDataset_NothingTrainedOnIt_DeletesItAndItsRows_AndAuditsIt()
    {
        int id = await AddDatasetAsync(rows: 4);

        var plan = await Archives.PlanAsync(ArchiveKind.Dataset, id);
        var done = await Archives.RemoveAsync(ArchiveKind.Dataset, id);

        Assert.Equal((RemovalOutcome.Deleted, "Delete dataset"), (plan.Outcome, plan.Action));
        Assert.Equal("Delete dataset “prefs” and its 4 rows? Nothing points to it. This cannot be undone.", plan.Question);
        Assert.Equal(RemovalOutcome.Deleted, done.Outcome);
        await using var ctx = _db.CreateContext();
        Assert.False(await ctx.Datasets.AnyAsync());
        Assert.False(await ctx.DatasetRows.AnyAsync());
        Assert.Equal([$"dataset.delete: dataset {id} “prefs”"], await AuditAsync());
    }

    [Fact]
    public async Task RemoveDataset_TwoRunsTrainedOnIt_ArchivesIt_HiddenFromListsUntilRestored()
    {
        int id = await AddDatasetAsync();
        await AddRunAsync("a", id);
        await AddRunAsync("b", id);
        var datasets = LabelingTestData.Datasets(_db);

        var plan = await Archives.PlanAsync(ArchiveKind.Dataset, id);
        var done = await Archives.RemoveAsync(ArchiveKind.Dataset, id);

        Assert.Equal("Archive dataset", plan.Action);
        Assert.Equal("Archive dataset “prefs”? 2 runs were trained on this dataset, so it is kept: hidden from lists and pickers, and back with Restore.", plan.Question);
        Assert.Equal(RemovalOutcome.Archived, done.Outcome);
        await using (var ctx = _db.CreateContext())
            Assert.Equal(3, await ctx.DatasetRows.CountAsync(r => r.DatasetId == id));
        Assert.DoesNotContain((await datasets.PageAsync(new PageRequest())).Items, d => d.Id == id);
        Assert.DoesNotContain(await datasets.ListAsync(), d => d.Id == id);
        Assert.NotNull(Assert.Single((await datasets.PageAsync(new PageRequest(Archived: true))).Items, d => d.Id == id).ArchivedAt);

        Assert.Equal("prefs", await Archives.RestoreAsync(ArchiveKind.Dataset, id));

        Assert.Null(Assert.Single((await datasets.PageAsync(new PageRequest())).Items, d => d.Id == id).ArchivedAt);
        Assert.Equal([$"dataset.archive: dataset {id} “prefs”: 2 runs were trained on this dataset", $"dataset.restore: dataset {id} “prefs”"], await AuditAsync());
    }

    [Fact]
    public async Task RemoveDataset_BuiltIn_IsArchivedNeverDeleted()
    {
        int id = await AddDatasetAsync("sentiment · prompts", source: $"{Lineage.BuiltInPrefix}sentiment/prompts");

        var done = await Archives.RemoveAsync(ArchiveKind.Dataset, id);

        Assert.Equal(RemovalOutcome.Archived, done.Outcome);
        Assert.Contains("built-in task pack", done.Why);
        await using var ctx = _db.CreateContext();
        Assert.NotNull((await ctx.Datasets.SingleAsync()).ArchivedAt);
    }

    [Fact]
    public async Task RemoveDataset_ArchivedOnceItsRunsAreDeleted_IsDeleted()
    {
        int id = await AddDatasetAsync();
        int run = await AddRunAsync("a", id);
        await Archives.RemoveAsync(ArchiveKind.Dataset, id);
        await Archives.RemoveAsync(ArchiveKind.Run, run);

        var done = await Archives.RemoveAsync(ArchiveKind.Dataset, id);

        Assert.Equal(RemovalOutcome.Deleted, done.Outcome);
        await using var ctx = _db.CreateContext();
        Assert.False(await ctx.Datasets.AnyAsync());
    }

    [Fact]
    public async Task RemoveRun_NothingPointsToIt_DeletesItsRows_AndItsFolder_NotOtherRuns()
    {
        int run = await AddRunAsync("done");
        var (_, folder) = await AddCheckpointAsync(run);
        int other = await AddRunAsync("other");
        var (_, otherFolder) = await AddCheckpointAsync(other);

        var plan = await Archives.PlanAsync(ArchiveKind.Run, run);
        await Archives.RemoveAsync(ArchiveKind.Run, run);

        Assert.Equal("Delete run “done” and its 1 checkpoint (files too), metrics and samples? Nothing points to it. This cannot be undone.", plan.Question);
        Assert.False(Directory.Exists(Path.Combine(_db.Directory, "runs", run.ToString())));
        Assert.False(Directory.Exists(folder));
        Assert.True(Directory.Exists(otherFolder));
        await using var ctx = _db.CreateContext();
        Assert.Equal([other], await ctx.Runs.Select(r => r.Id).ToListAsync());
        Assert.False(await ctx.MetricPoints.AnyAsync(p => p.RunId == run));
        Assert.False(await ctx.RunSamples.AnyAsync(s => s.RunId == run));
        Assert.False(await ctx.RunCheckpoints.AnyAsync(c => c.RunId == run));
    }

    [Fact]
    public async Task RemoveRun_ItsCheckpointStartsAndScoresOthers_IsArchived_FilesKept()
    {
        int run = await AddRunAsync("reward");
        var (checkpoint, folder) = await AddCheckpointAsync(run);
        await AddRunAsync("child", baseCheckpoint: checkpoint);
        await AddRunAsync("ppo", rewardCheckpoint: checkpoint);

        var done = await Archives.RemoveAsync(ArchiveKind.Run, run);

        Assert.Equal(RemovalOutcome.Archived, done.Outcome);
        Assert.Equal(["1 run starts from its checkpoints", "1 run is scored by its reward model"], done.Reasons);
        Assert.True(Directory.Exists(folder));
        Assert.DoesNotContain(await Runs.ListAsync(), r => r.Id == run);
        Assert.Contains(await Runs.ListAsync(archived: true), r => r.Id == run);
        // Its checkpoints leave the pickers with it, and come back with it.
        Assert.DoesNotContain(await Runs.CheckpointsAsync(), c => c.Id == checkpoint);
        await Archives.RestoreAsync(ArchiveKind.Run, run);
        Assert.Contains(await Runs.CheckpointsAsync(), c => c.Id == checkpoint);
    }

    [Fact]
    public async Task RemoveRun_SentToBlindReview_IsArchived()
    {
        int run = await AddRunAsync("dpo");
        await using (var ctx = _db.CreateContext())
        {
            var project = new Project { Name = "review", CreatedAt = DateTime.UtcNow };
            ctx.Projects.Add(project);
            await ctx.SaveChangesAsync();
            ctx.Items.Add(new Item { ProjectId = project.Id, PromptText = "p", ModelA = Lineage.RunModel(run, 10), ModelB = Lineage.RunModel(run, 0) });
            await ctx.SaveChangesAsync();
        }

        var done = await Archives.RemoveAsync(ArchiveKind.Run, run);

        Assert.Equal(RemovalOutcome.Archived, done.Outcome);
        Assert.Equal(["1 project item holds its outputs (generated or sent to blind review)"], done.Reasons);
    }

    [Fact]
    public async Task RemoveRun_Queued_IsCancelledFirst_ThenDeleted()
    {
        int run = await AddRunAsync("waiting", status: RunStatus.Queued);

        var plan = await Archives.PlanAsync(ArchiveKind.Run, run);
        var done = await Archives.RemoveAsync(ArchiveKind.Run, run);

        Assert.True(plan.CancelsRun);
        Assert.StartsWith("Run “waiting” is still queued or training: it is cancelled first. Delete run “waiting”", plan.Question);
        Assert.Equal(RemovalOutcome.Deleted, done.Outcome);
        Assert.Equal([$"run.cancel: run {run} 'waiting'", $"run.delete: run {run} “waiting”"], await AuditAsync());
        await using var ctx = _db.CreateContext();
        Assert.False(await ctx.Runs.AnyAsync());
    }

    [Fact]
    public async Task RemoveRun_TrainingOnAWorker_IsToldToStop_AndArchived()
    {
        int run = await AddRunAsync("training", status: RunStatus.Running, leaseExpiresAt: DateTime.UtcNow.AddMinutes(5));

        var plan = await Archives.PlanAsync(ArchiveKind.Run, run);
        var done = await Archives.RemoveAsync(ArchiveKind.Run, run);

        Assert.Equal((true, RemovalOutcome.Archived), (plan.CancelsRun, plan.Outcome));
        Assert.Equal(RemovalOutcome.Archived, done.Outcome);
        await using var ctx = _db.CreateContext();
        var row = await ctx.Runs.SingleAsync();
        // The worker stops it at its next step and reports it Cancelled; until then it keeps its lease.
        Assert.True(row.CancelRequested);
        Assert.Equal(RunStatus.Running, row.Status);
        Assert.NotNull(row.ArchivedAt);
        Assert.Equal($"run.cancel: run {run} 'training'", (await AuditAsync())[0]);
    }

    [Fact]
    public async Task RemoveCheckpoint_Unused_DeletesItsRowAndFolder()
    {
        var (upload, folder) = await AddCheckpointAsync(null);

        var plan = await Archives.PlanAsync(ArchiveKind.Checkpoint, upload);
        await Archives.RemoveAsync(ArchiveKind.Checkpoint, upload);

        Assert.StartsWith("Delete checkpoint “uploaded gpt2 · uploaded by a deleted user on ", plan.Question);
        Assert.False(Directory.Exists(folder));
        await using var ctx = _db.CreateContext();
        Assert.False(await ctx.RunCheckpoints.AnyAsync());
    }

    [Fact]
    public async Task RemoveCheckpoint_AJudgeOfAnotherRunsSamples_IsArchived_AndSoIsItsRun_ScoresKept()
    {
        int rm = await AddRunAsync("reward");
        var (judge, folder) = await AddCheckpointAsync(rm);
        int judged = await AddRunAsync("dpo");
        await using (var ctx = _db.CreateContext())
        {
            long sample = await ctx.RunSamples.Where(s => s.RunId == judged).Select(s => s.Id).SingleAsync();
            ctx.SampleScores.Add(new SampleScore { SampleId = sample, JudgeCheckpointId = judge, Score = 0.7 });
            await ctx.SaveChangesAsync();
        }

        var plan = await Archives.PlanAsync(ArchiveKind.Checkpoint, judge);
        var done = await Archives.RemoveAsync(ArchiveKind.Checkpoint, judge);
        Assert.Equal((RemovalOutcome.Archived, RemovalOutcome.Archived), (plan.Outcome, done.Outcome));
        Assert.Equal(["1 run's samples are judged by it on Compare"], done.Reasons);
        Assert.Equal(["1 run's samples are judged by its reward model on Compare"], (await Archives.RemoveAsync(ArchiveKind.Run, rm)).Reasons);
        Assert.True(Directory.Exists(folder));
        await using var check = _db.CreateContext();
        Assert.Equal(0.7, (await check.SampleScores.SingleAsync()).Score);
    }

    [Fact]
    public async Task RemoveCheckpoint_ABaseOfTwoRuns_IsArchived_HiddenFromPickers_ThenRestored()
    {
        int run = await AddRunAsync("sft");
        var (checkpoint, folder) = await AddCheckpointAsync(run);
        await AddRunAsync("a", baseCheckpoint: checkpoint);
        await AddRunAsync("b", baseCheckpoint: checkpoint);

        var done = await Archives.RemoveAsync(ArchiveKind.Checkpoint, checkpoint);

        Assert.Equal((RemovalOutcome.Archived, "2 runs start from it"), (done.Outcome, done.Why));
        Assert.True(Directory.Exists(folder));
        Assert.DoesNotContain(await Runs.CheckpointsAsync(), c => c.Id == checkpoint);
        Assert.NotNull(Assert.Single(await Runs.CheckpointsAsync(run), c => c.Id == checkpoint).ArchivedAt);
        Assert.Contains(await Runs.CheckpointsAsync(archived: true), c => c.Id == checkpoint);

        await Archives.RestoreAsync(ArchiveKind.Checkpoint, checkpoint);

        Assert.Contains(await Runs.CheckpointsAsync(), c => c.Id == checkpoint);
    }

    [Fact]
    public async Task RemoveCheckpoint_OfARunStillTraining_IsArchived()
    {
        int run = await AddRunAsync("training", status: RunStatus.Running, leaseExpiresAt: DateTime.UtcNow.AddMinutes(5));
        var (checkpoint, folder) = await AddCheckpointAsync(run);

        var done = await Archives.RemoveAsync(ArchiveKind.Checkpoint, checkpoint);

        Assert.Equal(["its run has not ended and resumes from its checkpoints"], done.Reasons);
        Assert.True(Directory.Exists(folder));
    }

    [Fact]
    public async Task RemoveCheckpoint_ThatGeneratedItems_IsArchived()
    {
        var (upload, _) = await AddCheckpointAsync(null);
        await using (var ctx = _db.CreateContext())
        {
            var project = new Project { Name = "generated", CreatedAt = DateTime.UtcNow };
            ctx.Projects.Add(project);
            await ctx.SaveChangesAsync();
            ctx.Items.Add(new Item { ProjectId = project.Id, PromptText = "p", ModelA = $"{Lineage.UploadModel(upload)} · seed 1", ModelB = $"{Lineage.UploadModel(upload)} · seed 2" });
            await ctx.SaveChangesAsync();
        }

        var done = await Archives.RemoveAsync(ArchiveKind.Checkpoint, upload);

        Assert.Equal(["1 project item was generated by it"], done.Reasons);
    }

    [Fact]
    public async Task RemoveProject_Empty_DeletesItAndItsMembers_AndAuditsIt()
    {
        await using var s = await SoloProject.CreateAsync(items: 0);
        var archives = ArchivesOf(s.Db);

        var done = await archives.RemoveAsync(ArchiveKind.Project, s.Project);

        Assert.Equal((RemovalOutcome.Deleted, "Deleted project “Test project”."), (done.Outcome, done.Done));
        Assert.False(await s.Context.Projects.AnyAsync());
        Assert.False(await s.Context.ProjectMembers.AnyAsync());
        Assert.Equal([$"project.delete: project {s.Project} “Test project”"],
            await s.Context.AuditEvents.Select(e => e.Action + ": " + e.Detail).ToListAsync());
    }

    [Fact]
    public async Task RemoveProject_WithItems_AndFrozenIntoADataset_IsArchivedSayingWhy_HiddenFromLists()
    {
        await using var s = await SoloProject.CreateAsync(items: 3);
        await using (var ctx = s.Db.CreateContext())
        {
            ctx.Datasets.Add(new Dataset { Name = "snapshot", Kind = "preference", Source = "snapshot:1", SourceProjectId = s.Project, CreatedAt = DateTime.UtcNow });
            await ctx.SaveChangesAsync();
        }
        var archives = ArchivesOf(s.Db);
        var projects = new ProjectService(s.Db.Factory, TimeProvider.System);

        var plan = await archives.PlanAsync(ArchiveKind.Project, s.Project);
        await archives.RemoveAsync(ArchiveKind.Project, s.Project);

        Assert.Equal("Archive project “Test project”? It holds 3 items; 1 dataset was frozen from its labels, so it is kept: hidden from lists and pickers, and back with Restore.",
            plan.Question);
        Assert.Equal(3, await s.Context.Items.CountAsync());
        Assert.Empty((await projects.PageAsync(s.User, new PageRequest())).Items);
        Assert.Empty(await projects.ListAsync(s.User, all: true));
        Assert.Empty(await projects.NamesAsync());
        Assert.Single((await projects.PageAsync(s.User, new PageRequest(Archived: true))).Items);

        await archives.RestoreAsync(ArchiveKind.Project, s.Project);

        Assert.Single(await projects.ListAsync(s.User, all: true));
    }

    [Fact]
    public async Task Archive_Unused_ArchivesAnyway_AndRemoveOrRestoreOfNothing_IsNotFound()
    {
        int id = await AddDatasetAsync();

        var done = await Archives.ArchiveAsync(ArchiveKind.Dataset, id);

        Assert.Equal(RemovalOutcome.Archived, done.Outcome);
        await using (var ctx = _db.CreateContext())
            Assert.NotNull((await ctx.Datasets.SingleAsync()).ArchivedAt);
        foreach (var kind in Enum.GetValues<ArchiveKind>())
        {
            Assert.Equal($"No {kind.ToString().ToLowerInvariant()} with id 999999.", (await Assert.ThrowsAsync<NotFoundException>(() => Archives.RemoveAsync(kind, 999_999))).Message);
            await Assert.ThrowsAsync<NotFoundException>(() => Archives.RestoreAsync(kind, 999_999));
        }
    }

    private static LabelingQueue Queue(SoloProject s, int seed = 1) => new(s.Db.Factory, TimeProvider.System, new LabelingRandom(seed));

    private static async Task<List<long>> ItemIdsAsync(SoloProject s) => await s.Context.Items.OrderBy(i => i.Id).Select(i => i.Id).ToListAsync();

    [Fact]
    public async Task RemovingOrRestoringAnItem_TellsItsProjectsWatchers()
    {
        await using var s = await SoloProject.CreateAsync(items: 2, labelsPerItem: 1);
        var events = new LabelingEvents();
        int heard = 0;
        using var watching = events.Subscribe(s.Project, () => { Interlocked.Increment(ref heard); return Task.CompletedTask; });
        var archives = ArchivesOf(s.Db, events);
        var ids = await ItemIdsAsync(s);

        await archives.RemoveAsync(ArchiveKind.Item, ids[0]); // nothing points to it: deleted
        Assert.Equal(1, heard);
        await archives.ArchiveAsync(ArchiveKind.Item, ids[1]);
        Assert.Equal(2, heard);
        await archives.RestoreAsync(ArchiveKind.Item, ids[1]);
        Assert.Equal(3, heard);
    }

    [Fact]
    public async Task RemoveItem_NothingPointsToIt_DeletesIt_AndAuditsIt()
    {
        await using var s = await SoloProject.CreateAsync(items: 2);
        long id = (await ItemIdsAsync(s))[0];
        var archives = ArchivesOf(s.Db);

        var plan = await archives.PlanAsync(ArchiveKind.Item, id);
        var done = await archives.RemoveAsync(ArchiveKind.Item, id);

        Assert.Equal($"Delete item “#{id} Prompt 1” and its prompt and responses? Nothing points to it. This cannot be undone.", plan.Question);
        Assert.Equal(RemovalOutcome.Deleted, done.Outcome);
        Assert.Equal(1, await s.Context.Items.CountAsync());
        Assert.Equal([$"item.delete: item {id} “#{id} Prompt 1”"], await AuditAsync(s.Db));
    }

    [Fact]
    public async Task RemoveItem_WithALabel_ArchivesIt_KeepsTheLabel_AndTheQueueAndBrowserLeaveItOut()
    {
        await using var s = await SoloProject.CreateAsync(items: 2, labelsPerItem: 1);
        var queue = Queue(s);
        var first = (await queue.NextAsync(s.Project, s.User))!;
        long labelId = await queue.SubmitAsync(first.AssignmentId, s.User, new LabelInput("tie"));
        var archives = ArchivesOf(s.Db);

        var plan = await archives.PlanAsync(ArchiveKind.Item, first.ItemId);
        var done = await archives.RemoveAsync(ArchiveKind.Item, first.ItemId);

        Assert.Equal($"Archive item “#{first.ItemId} Prompt 1”? It has 1 label, so it is kept: out of the labeling queue, agreement and preference exports "
            + "(its labels stay), hidden in the item list, and back with Restore.", plan.Question);
        Assert.Equal(RemovalOutcome.Archived, done.Outcome);
        Assert.Equal(labelId, (await s.Context.Labels.SingleAsync()).Id);
        var browser = new ItemBrowser(s.Db.Factory);
        Assert.DoesNotContain(first.ItemId, (await browser.PageAsync(s.Project, null, new PageRequest())).Items.Select(r => r.Id));
        var archived = Assert.Single((await browser.PageAsync(s.Project, null, new PageRequest(Archived: true))).Items, r => r.Id == first.ItemId);
        Assert.NotNull(archived.ArchivedAt);
        Assert.NotNull((await browser.FindAsync(s.Project, first.ItemId))!.ArchivedAt);
        var summary = Assert.Single(await new ProjectService(s.Db.Factory, TimeProvider.System).ListAsync(s.User, all: true));
        Assert.Equal((1L, 1L, 1L), (summary.Items, summary.NeedLabels, summary.MyLabels));
        Assert.Equal([$"item.archive: item {first.ItemId} “#{first.ItemId} Prompt 1”: it has 1 label"], await AuditAsync(s.Db));
    }

    [Fact]
    public async Task ArchiveItem_Unlabeled_IsNeverOffered_UntilRestored()
    {
        await using var s = await SoloProject.CreateAsync(items: 1);
        long id = (await ItemIdsAsync(s))[0];
        var archives = ArchivesOf(s.Db);

        await archives.ArchiveAsync(ArchiveKind.Item, id);

        Assert.Null(await Queue(s).NextAsync(s.Project, s.User));
        Assert.Equal("#" + id + " Prompt 1", await archives.RestoreAsync(ArchiveKind.Item, id));
        Assert.Equal(id, (await Queue(s).NextAsync(s.Project, s.User))!.ItemId);
    }

    [Fact]
    public async Task RemoveItem_HeldByALabeler_ArchivesIt_TheirLabelIsStillTaken_AndTheSlotStaysClosed()
    {
        await using var s = await SoloProject.CreateAsync(items: 2, labelsPerItem: 1);
        var queue = Queue(s);
        var held = (await queue.NextAsync(s.Project, s.User))!;

        var done = await ArchivesOf(s.Db).RemoveAsync(ArchiveKind.Item, held.ItemId);
        long labelId = await queue.SubmitAsync(held.AssignmentId, s.User, new LabelInput("left"));

        Assert.Equal(["1 labeler is judging it now (their label is still taken)"], done.Reasons);
        Assert.Equal(held.ItemId, (await s.Context.Labels.SingleAsync(l => l.Id == labelId)).ItemId);
        var next = (await queue.NextAsync(s.Project, s.User))!;
        Assert.NotEqual(held.ItemId, next.ItemId);
        Assert.False((await s.Context.Items.AsNoTracking().SingleAsync(i => i.Id == held.ItemId)).IsOpen);
    }

    [Fact]
    public async Task RestoreItem_WithFreeSlots_ReopensIt_ForOthers()
    {
        await using var s = await SoloProject.CreateAsync(items: 1, labelsPerItem: 2);
        int second = await LabelingTestData.AddUserAsync(s.Db, "l2@example.com");
        await LabelingTestData.JoinAsync(s.Db, s.Project, second);
        var queue = Queue(s);
        var first = (await queue.NextAsync(s.Project, s.User))!;
        await queue.SubmitAsync(first.AssignmentId, s.User, new LabelInput("tie"));
        var archives = ArchivesOf(s.Db);
        await archives.RemoveAsync(ArchiveKind.Item, first.ItemId);
        Assert.Null(await queue.NextAsync(s.Project, second));

        await archives.RestoreAsync(ArchiveKind.Item, first.ItemId);

        Assert.Equal(first.ItemId, (await queue.NextAsync(s.Project, second))!.ItemId);
    }

    [Fact]
    public async Task RemoveCheckpoint_AQueuedItemGenerationNeedsIt_ArchivesIt_UntilTheJobEnds()
    {
        int run = await AddRunAsync();
        var (mine, folder) = await AddCheckpointAsync(run);
        var (upload, _) = await AddCheckpointAsync(null);
        var jobs = new Services.Workers.GenerationJobs(_db.Factory, TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new Services.Workers.TrainingOptions()),
            new Services.Workers.EngineSignals(), NullLogger<Services.Workers.GenerationJobs>.Instance);
        var project = new Project { Name = "gen", CreatedAt = DateTime.UtcNow };
        await using (var ctx = _db.CreateContext())
        {
            ctx.Projects.Add(project);
            await ctx.SaveChangesAsync();
        }
        int job = await jobs.CreateAsync(project.Id, new LabelAndAlign.Protocol.GenerationAssignment(0, 0, upload, mine,
            [new LabelAndAlign.Protocol.GenerationPrompt("hi", null)], 8, 1f, 1f, 1));

        var checkpoint = await Archives.RemoveAsync(ArchiveKind.Checkpoint, upload);
        var ofRun = await Archives.PlanAsync(ArchiveKind.Run, run);

        Assert.Equal(RemovalOutcome.Archived, checkpoint.Outcome);
        Assert.Equal(["1 worker job still to run (item generation or re-score) needs it"], checkpoint.Reasons);
        Assert.Equal(["1 worker job still to run (item generation or re-score) needs its checkpoints"], ofRun.Reasons);
        await using (var ctx = _db.CreateContext())
            await ctx.GenerationJobs.Where(g => g.Id == job).ExecuteUpdateAsync(u => u.SetProperty(g => g.Status, Data.Workers.GenerationStatus.Completed));
        Assert.Equal(RemovalOutcome.Deleted, (await Archives.RemoveAsync(ArchiveKind.Run, run)).Outcome);
        Assert.False(Directory.Exists(folder));
    }
}
