using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Data.Workers;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Archiving;

/// <summary>
/// What points to a project, dataset, run, checkpoint or item, in words with numbers. Each kind has two forms of the same
/// rule: <see cref="ReasonsAsync"/> explains (the dialog, a 409's message), and the <c>Unused…</c> expressions are the
/// condition of the delete statement itself, so a run launched between the question and the delete keeps what it uses.
/// </summary>
public static class Lineage
{
    /// <summary>The source prefix of a built-in task pack's dataset: it is made again whenever it is missing, so it is only ever archived.</summary>
    public const string BuiltInPrefix = "builtin:";

    /// <summary>The hidden model name project items record for a run's checkpoint (generated items, blind reviews): "run 4 · step 40".</summary>
    public static string RunModel(int runId, int step) => $"{RunModelPrefix(runId)}{step}";

    public static string RunModelPrefix(int runId) => $"run {runId} · step ";

    /// <summary>The hidden model name items record for an uploaded model: "upload 7".</summary>
    public static string UploadModel(int checkpointId) => $"upload {checkpointId}";

    /// <summary>The id as the kind's key: items count in longs, the rest in ints (an id past an int names nothing).</summary>
    public static int Key(ArchiveKind kind, long id) => kind == ArchiveKind.Item || id is >= int.MinValue and <= int.MaxValue
        ? unchecked((int)id) : throw new NotFoundException($"No {kind.ToString().ToLowerInvariant()} with id {id}.");

    public static async Task<List<string>> ReasonsAsync(AppDbContext db, ArchiveKind kind, long key, DateTime now, CancellationToken cancel)
    {
        int id = Key(kind, key);
        var reasons = new List<string>();
        void Add(long n, string one, string many) { if (n > 0) reasons.Add(n == 1 ? one : string.Format(System.Globalization.CultureInfo.InvariantCulture, many, n)); }
        switch (kind)
        {
            case ArchiveKind.Project:
                Add(await db.Items.LongCountAsync(i => i.ProjectId == id, cancel), "it holds 1 item", "it holds {0:N0} items");
                Add(await db.Datasets.CountAsync(d => d.SourceProjectId == id, cancel), "1 dataset was frozen from its labels", "{0:N0} datasets were frozen from its labels");
                break;
            case ArchiveKind.Dataset:
                Add(await db.Runs.CountAsync(r => r.DatasetId == id, cancel), "1 run was trained on this dataset", "{0:N0} runs were trained on this dataset");
                if (await db.Datasets.AnyAsync(d => d.Id == id && d.Source.StartsWith(BuiltInPrefix), cancel))
                    reasons.Add("it is a built-in task pack's data (the app makes it again when it is missing)");
                break;
            case ArchiveKind.Item:
                Add(await db.Labels.LongCountAsync(l => l.ItemId == key, cancel), "it has 1 label", "it has {0:N0} labels");
                Add(await db.Assignments.LongCountAsync(a => a.ItemId == key && a.Status == AssignmentStatus.Leased, cancel),
                    "1 labeler is judging it now (their label is still taken)", "{0:N0} labelers are judging it now (their labels are still taken)");
                break;
            case ArchiveKind.Run:
                if (await db.Runs.AnyAsync(r => r.Id == id && r.Status == RunStatus.Running && r.LeaseExpiresAt > now, cancel))
                    reasons.Add("it is training on a worker, which stops it at its next step and saves a checkpoint there");
                var mine = db.RunCheckpoints.Where(c => c.RunId == id).Select(c => (int?)c.Id);
                Add(await db.Runs.CountAsync(r => r.Id != id && mine.Contains(r.BaseCheckpointId), cancel), "1 run starts from its checkpoints", "{0:N0} runs start from its checkpoints");
                Add(await db.Runs.CountAsync(r => r.Id != id && mine.Contains(r.RewardCheckpointId), cancel), "1 run is scored by its reward model", "{0:N0} runs are scored by its reward model");
                Add(await JudgedRuns(db, id, mine).CountAsync(cancel), "1 run's samples are judged by its reward model on Compare", "{0:N0} runs' samples are judged by its reward model on Compare");
                Add(await PendingJobs(db).CountAsync(g => mine.Contains(g.CheckpointAId) || mine.Contains(g.CheckpointBId), cancel),
                    "1 worker job still to run (item generation or re-score) needs its checkpoints", "{0:N0} worker jobs still to run (item generations or re-scores) need its checkpoints");
                string prefix = RunModelPrefix(id);
                Add(await db.Items.LongCountAsync(i => i.ModelA!.StartsWith(prefix) || i.ModelB!.StartsWith(prefix), cancel),
                    "1 project item holds its outputs (generated or sent to blind review)", "{0:N0} project items hold its outputs (generated or sent to blind review)");
                break;
            case ArchiveKind.Checkpoint:
                Add(await db.Runs.CountAsync(r => r.BaseCheckpointId == id, cancel), "1 run starts from it", "{0:N0} runs start from it");
                Add(await db.Runs.CountAsync(r => r.RewardCheckpointId == id, cancel), "1 run is scored by it (its reward model)", "{0:N0} runs are scored by it (their reward model)");
                Add(await JudgedRuns(db, null, db.RunCheckpoints.Where(c => c.Id == id).Select(c => (int?)c.Id)).CountAsync(cancel),
                    "1 run's samples are judged by it on Compare", "{0:N0} runs' samples are judged by it on Compare");
                Add(await PendingJobs(db).CountAsync(g => g.CheckpointAId == id || g.CheckpointBId == id, cancel),
                    "1 worker job still to run (item generation or re-score) needs it", "{0:N0} worker jobs still to run (item generations or re-scores) need it");
                if (await ModelNameAsync(db, id, cancel) is { } model)
                    Add(await db.Items.LongCountAsync(i => i.ModelA == model || i.ModelB == model || i.ModelA!.StartsWith(model + " · ") || i.ModelB!.StartsWith(model + " · "), cancel),
                        "1 project item was generated by it", "{0:N0} project items were generated by it");
                if (await db.RunCheckpoints.AnyAsync(c => c.Id == id && db.Runs.Any(r => r.Id == c.RunId && (r.Status == RunStatus.Queued || r.Status == RunStatus.Running)), cancel))
                    reasons.Add("its run has not ended and resumes from its checkpoints");
                break;
        }
        return reasons;
    }

    /// <summary>
    /// The runs (other than <paramref name="exceptRun"/>) with samples scored by one of <paramref name="judges"/> as the
    /// reward-model judge on Compare: deleting the judge would delete those scores, which only it can give again.
    /// </summary>
    public static IQueryable<int> JudgedRuns(AppDbContext db, int? exceptRun, IQueryable<int?> judges) =>
        db.RunSamples.Where(s => s.RunId != exceptRun && db.SampleScores.Any(x => x.SampleId == s.Id && judges.Contains(x.JudgeCheckpointId)))
            .Select(s => s.RunId).Distinct();

    /// <summary>Worker jobs (item generations, re-scores) queued or running: the checkpoints they name must still be there when a worker loads them.</summary>
    public static IQueryable<GenerationJob> PendingJobs(AppDbContext db) =>
        db.GenerationJobs.Where(g => g.Status == GenerationStatus.Queued || g.Status == GenerationStatus.Running);

    /// <summary>What a delete takes with it, in words: "its 2,000 rows", "its 3 checkpoints (files too), metrics and samples".</summary>
    public static async Task<string> ContentsAsync(AppDbContext db, ArchiveKind kind, long key, CancellationToken cancel)
    {
        int id = Key(kind, key);
        return kind switch
        {
            ArchiveKind.Project => "its settings and team",
            ArchiveKind.Item => "its prompt and responses",
            ArchiveKind.Dataset => $"its {Words.Count(await db.Datasets.Where(d => d.Id == id).Select(d => d.RowCount).FirstOrDefaultAsync(cancel), "row")}",
            ArchiveKind.Run => await db.RunCheckpoints.CountAsync(c => c.RunId == id, cancel) is int n and > 0
                ? $"its {Words.Count(n, "checkpoint")} (files too), metrics and samples" : "its metrics and samples",
            _ => "its files",
        };
    }

    /// <summary>The model name items generated from this checkpoint record; null when there is no such checkpoint.</summary>
    public static async Task<string?> ModelNameAsync(AppDbContext db, int checkpointId, CancellationToken cancel)
    {
        var c = await db.RunCheckpoints.AsNoTracking().Where(c => c.Id == checkpointId).Select(c => new { c.RunId, c.Step }).FirstOrDefaultAsync(cancel);
        return c is null ? null : c.RunId is int run ? RunModel(run, c.Step) : UploadModel(checkpointId);
    }
}
