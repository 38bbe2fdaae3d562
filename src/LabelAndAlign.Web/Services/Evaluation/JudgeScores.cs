using System.Text.Json;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Data.Workers;
using LabelAndAlign.Web.Services.Runs;
using LabelAndAlign.Web.Services.Workers;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Evaluation;

/// <summary>A reward model a lead can judge runs by: a checkpoint of a finished reward run.</summary>
public sealed record RewardModelChoice(int CheckpointId, int RunId, string RunName, int Step)
{
    /// <summary>What the Judge list, the axis and the legend call it.</summary>
    public string Name => $"reward model {RunName} · step {Step}";
}

/// <summary>Where scoring some runs' samples with one reward model is.</summary>
public enum ScoringState { NotScored, Scoring, Scored, Failed }

/// <summary>
/// The chosen runs' evaluation samples against one reward-model judge: how many there are, how many it scored, how
/// far the queued re-scores got (<paramref name="Done"/> of <paramref name="InProgress"/>), and the error of one that failed.
/// </summary>
public sealed record ScoringProgress(int Samples, int Scored, int InProgress, int Done, string? Error)
{
    public ScoringState State => Error is not null ? ScoringState.Failed
        : InProgress > 0 ? ScoringState.Scoring
        : Scored < Samples ? ScoringState.NotScored : ScoringState.Scored;
}

/// <summary>
/// A reward-model judge for Compare's Reward-vs-KL and win-rate views, so runs — whatever data they trained on — are
/// judged alike: a lead picks a finished reward run's checkpoint, and a worker re-scores every stored evaluation sample of
/// the chosen runs with it (<see cref="GenerationJobs.CreateScoringAsync"/>, one job per run; the web app never runs a
/// model). Its scores sit beside each sample's oracle reward (<see cref="SampleScore"/>), never over it.
/// </summary>
public sealed class JudgeScores(IDbContextFactory<AppDbContext> dbs, RunService runs, GenerationJobs jobs)
{
    /// <summary>Checkpoints of completed reward runs whose files are still there, neither archived nor of an archived run; newest run first.</summary>
    public async Task<IReadOnlyList<RewardModelChoice>> RewardModelsAsync(CancellationToken cancel = default)
    {
        string reward = Algorithm.Reward.WireName();
        List<int> finished;
        await using (var db = await dbs.CreateDbContextAsync(cancel))
            finished = await db.Runs.AsNoTracking().Where(r => r.Algorithm == reward && r.Status == RunStatus.Completed).Select(r => r.Id).ToListAsync(cancel);
        var checkpoints = await runs.CheckpointsAsync(cancel: cancel);
        return checkpoints.Where(c => c.RunId is int id && finished.Contains(id))
            .Select(c => new RewardModelChoice(c.Id, c.RunId!.Value, c.RunName, c.Step)).ToList();
    }

    /// <summary>The reward model <paramref name="checkpointId"/> as a judge; an error naming what to pick when it cannot judge.</summary>
    public async Task<RewardModelChoice> RequireAsync(int checkpointId, CancellationToken cancel = default) =>
        (await RewardModelsAsync(cancel)).FirstOrDefault(c => c.CheckpointId == checkpointId)
        ?? throw new InputException("judge", $"Checkpoint {checkpointId} cannot judge: pick a checkpoint of a completed reward run that is not archived and whose files are kept (the Judge list offers them).");

    /// <summary>How far the runs' samples are scored by the judge.</summary>
    public async Task<ScoringProgress> ProgressAsync(int judgeCheckpointId, IReadOnlyCollection<int> runIds, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var samples = db.RunSamples.AsNoTracking().Where(s => runIds.Contains(s.RunId));
        int total = await samples.CountAsync(cancel);
        int scored = await samples.CountAsync(s => db.SampleScores.Any(x => x.SampleId == s.Id && x.JudgeCheckpointId == judgeCheckpointId), cancel);
        var queued = await Jobs(db, judgeCheckpointId, runIds).Select(g => new { g.Status, g.Done, g.Total, g.Error }).ToListAsync(cancel);
        var open = queued.Where(g => g.Status is GenerationStatus.Queued or GenerationStatus.Running).ToList();
        return new ScoringProgress(total, scored, open.Sum(g => g.Total), open.Sum(g => g.Done),
            queued.FirstOrDefault(g => g.Status == GenerationStatus.Failed)?.Error);
    }

    /// <summary>
    /// Queues a re-score of each run's samples the judge has not scored (runs with a re-score under way are left to it;
    /// a failed one is replaced); returns how many samples were queued.
    /// </summary>
    public async Task<int> QueueAsync(int judgeCheckpointId, IReadOnlyCollection<int> runIds, CancellationToken cancel = default)
    {
        if (runIds.Count == 0) throw new InputException("runs", "Choose the runs whose samples the reward model should score.");
        await RequireAsync(judgeCheckpointId, cancel);
        int queued = 0;
        foreach (int runId in runIds.Distinct())
        {
            List<RunSample> unscored;
            await using (var db = await dbs.CreateDbContextAsync(cancel))
            {
                if (!await db.Runs.AnyAsync(r => r.Id == runId, cancel)) throw new InputException("runs", $"No run with id {runId}.");
                var mine = Jobs(db, judgeCheckpointId, [runId]);
                if (await mine.AnyAsync(g => g.Status == GenerationStatus.Queued || g.Status == GenerationStatus.Running, cancel)) continue;
                await mine.Where(g => g.Status == GenerationStatus.Failed).ExecuteDeleteAsync(cancel);
                unscored = await db.RunSamples.AsNoTracking()
                    .Where(s => s.RunId == runId && !db.SampleScores.Any(x => x.SampleId == s.Id && x.JudgeCheckpointId == judgeCheckpointId))
                    .OrderBy(s => s.Id).ToListAsync(cancel);
            }
            if (unscored.Count == 0) continue;
            var spec = new GenerationAssignment(0, 0, judgeCheckpointId, null, unscored.Select(s => new GenerationPrompt(s.Prompt, null)).ToList(), 0, 0, 0, 0,
                unscored.Select(s => s.Completion).ToList());
            await jobs.CreateScoringAsync(runId, judgeCheckpointId, unscored.Select(s => s.Id).ToList(), spec, cancel);
            queued += unscored.Count;
        }
        return queued;
    }

    /// <summary>The judge's score of each of the run's samples it scored, by sample id.</summary>
    public async Task<IReadOnlyDictionary<long, double>> ScoresAsync(int runId, int judgeCheckpointId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await (from x in db.SampleScores.AsNoTracking()
                      join s in db.RunSamples.AsNoTracking() on x.SampleId equals s.Id
                      where s.RunId == runId && x.JudgeCheckpointId == judgeCheckpointId
                      select new { x.SampleId, x.Score }).ToDictionaryAsync(x => x.SampleId, x => x.Score, cancel);
    }

    private static IQueryable<GenerationJob> Jobs(AppDbContext db, int judgeCheckpointId, IReadOnlyCollection<int> runIds) =>
        db.GenerationJobs.Where(g => g.JudgeCheckpointId == judgeCheckpointId && g.RunId != null && runIds.Contains(g.RunId.Value));
}
