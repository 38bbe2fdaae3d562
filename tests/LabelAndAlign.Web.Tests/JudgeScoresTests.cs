using System.Text.Json;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Data.Workers;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Evaluation;
using LabelAndAlign.Web.Services.Runs;
using LabelAndAlign.Web.Services.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// A reward model as the judge of Compare's views: which checkpoints can judge, re-scores queued per run as worker jobs,
/// their scores stored per (sample, judge) beside the oracle's, and — with a real local worker — scores equal to the
/// engine's reward-model scorer's.
/// </summary>
public sealed class JudgeScoresTests : IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly EngineSignals _signals = new();

    public void Dispose() => _db.Dispose();

    private GenerationJobs Jobs => new(_db.Factory, TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new TrainingOptions()), _signals,
        NullLogger<GenerationJobs>.Instance);

    private JudgeScores Judges => new(_db.Factory,
        new RunService(_db.Factory, new RunsNotifier(), _signals, TimeProvider.System, _db.Settings, new AuditLog(_db.Factory, TimeProvider.System, new Microsoft.AspNetCore.Http.HttpContextAccessor())),
        Jobs);

    private const string Corpus = "The cat sat on the mat. The dog ran in the park. Good great happy sad bad awful.";

    private async Task<int> AddRunAsync(string algorithm, RunStatus status = RunStatus.Completed)
    {
        await using var ctx = _db.CreateContext();
        var run = new Run { Name = $"{algorithm} run", Algorithm = algorithm, Status = status, CreatedAt = DateTime.UtcNow };
        ctx.Runs.Add(run);
        await ctx.SaveChangesAsync();
        return run.Id;
    }

    /// <summary>A checkpoint of <paramref name="runId"/> with a random model (a reward model with <paramref name="scalarHead"/>) and its tokenizer.</summary>
    private async Task<(int Id, string Folder)> AddCheckpointAsync(int runId, int step, bool scalarHead = true, int seed = 5)
    {
        var tokenizer = BpeTrainer.Train(Corpus, new BpeTrainerOptions { VocabSize = 300 });
        var config = new GptConfig { VocabSize = tokenizer.VocabSize, BlockSize = 64, Channels = 32, Layers = 1, Heads = 2, ScalarHead = scalarHead };
        string relative = $"runs/{runId}/checkpoint-{step}";
        string folder = Path.Combine(_db.Directory, relative);
        Checkpoint.Save(folder, new Gpt(config, seed).Parameters);
        TokenizerFiles.Save(tokenizer, folder);
        await using var ctx = _db.CreateContext();
        var checkpoint = new RunCheckpoint { RunId = runId, Step = step, Path = relative, CreatedAt = DateTime.UtcNow };
        ctx.RunCheckpoints.Add(checkpoint);
        await ctx.SaveChangesAsync();
        return (checkpoint.Id, folder);
    }

    /// <summary>Evaluation samples at steps 0 and 10 on three prompts, with the oracle's reward 1 and a KL.</summary>
    private async Task<List<RunSample>> AddSamplesAsync(int runId)
    {
        await using var ctx = _db.CreateContext();
        var samples = new List<RunSample>();
        foreach (int step in new[] { 0, 10 })
            foreach (var (prompt, completion) in new[] { ("The cat", " sat on the mat"), ("The dog", " ran in the park"), ("Good", " great happy") })
                samples.Add(new RunSample { RunId = runId, Step = step, Prompt = prompt, Completion = step == 0 ? completion : completion + " sad", Reward = 1, Kl = step / 10.0, Length = completion.Length });
        ctx.RunSamples.AddRange(samples);
        await ctx.SaveChangesAsync();
        return samples;
    }

    [Fact]
    public async Task RewardModelsAsync_OffersCheckpointsOfCompletedRewardRuns_NeitherArchivedNorOfOtherRuns()
    {
        int reward = await AddRunAsync("reward");
        var (kept, _) = await AddCheckpointAsync(reward, 40);
        var (archived, _) = await AddCheckpointAsync(reward, 20);
        int training = await AddRunAsync("reward", RunStatus.Running);
        await AddCheckpointAsync(training, 10);
        int dpo = await AddRunAsync("dpo");
        await AddCheckpointAsync(dpo, 10, scalarHead: false);
        await using (var ctx = _db.CreateContext())
            await ctx.RunCheckpoints.Where(c => c.Id == archived).ExecuteUpdateAsync(u => u.SetProperty(c => c.ArchivedAt, DateTime.UtcNow));

        var choice = Assert.Single(await Judges.RewardModelsAsync());
        Assert.Equal(new RewardModelChoice(kept, reward, "reward run", 40), choice);
        Assert.Equal("reward model reward run · step 40", choice.Name);
        var e = await Assert.ThrowsAsync<InputException>(() => Judges.QueueAsync(archived, [dpo]));
        Assert.Contains($"Checkpoint {archived} cannot judge", e.Message);
    }

    [Fact]
    public async Task QueueAsync_QueuesOneReScorePerRun_OfItsUnscoredSamples_AndNotTwice()
    {
        var (judge, _) = await AddCheckpointAsync(await AddRunAsync("reward"), 40);
        int dpo = await AddRunAsync("dpo"), ppo = await AddRunAsync("ppo");
        var dpoSamples = await AddSamplesAsync(dpo);
        await AddSamplesAsync(ppo);
        Assert.Equal(new ScoringProgress(12, 0, 0, 0, null), await Judges.ProgressAsync(judge, [dpo, ppo]));
        Assert.Equal(ScoringState.NotScored, (await Judges.ProgressAsync(judge, [dpo, ppo])).State);

        Assert.Equal(12, await Judges.QueueAsync(judge, [dpo, ppo]));
        Assert.Equal(0, await Judges.QueueAsync(judge, [dpo, ppo]));

        await using var ctx = _db.CreateContext();
        var jobs = await ctx.GenerationJobs.AsNoTracking().OrderBy(g => g.Id).ToListAsync();
        Assert.Equal([dpo, ppo], jobs.Select(j => j.RunId!.Value));
        Assert.All(jobs, j => Assert.Equal((judge, (int?)null, GenerationStatus.Queued, 6), (j.JudgeCheckpointId!.Value, j.ProjectId, j.Status, j.Total)));
        var spec = JsonSerializer.Deserialize<GenerationAssignment>(jobs[0].SpecJson)!;
        Assert.True(spec.IsScoring);
        Assert.Equal(judge, spec.CheckpointA);
        Assert.Equal(dpoSamples.Select(s => s.Prompt), spec.Prompts.Select(p => p.Text));
        Assert.Equal(dpoSamples.Select(s => s.Completion), spec.Completions!);
        Assert.Equal(dpoSamples.Select(s => s.Id), JsonSerializer.Deserialize<long[]>(jobs[0].SampleIdsJson!)!);
        var progress = await Judges.ProgressAsync(judge, [dpo, ppo]);
        Assert.Equal((ScoringState.Scoring, 12, 0), (progress.State, progress.InProgress, progress.Done));
    }

    [Fact]
    public async Task CompleteAsync_StoresTheScoresPerJudge_BesideTheOraclesReward_AndEndsTheJob()
    {
        int rewardRun = await AddRunAsync("reward");
        var (judge, _) = await AddCheckpointAsync(rewardRun, 40);
        var (other, _) = await AddCheckpointAsync(rewardRun, 80, seed: 6);
        int dpo = await AddRunAsync("dpo");
        var samples = await AddSamplesAsync(dpo);
        await Judges.QueueAsync(judge, [dpo]);
        var claimed = (await Jobs.ClaimAsync("worker-1"))!;
        Assert.True(claimed.IsScoring);
        Assert.Equal(new ReportAck(true, false), await Jobs.ProgressAsync("worker-1", new GenerationReport(claimed.Id, claimed.Epoch, 3)));
        Assert.Equal((ScoringState.Scoring, 3), ((await Judges.ProgressAsync(judge, [dpo])).State, (await Judges.ProgressAsync(judge, [dpo])).Done));

        double[] scores = [0.5, -1, 2, 1.5, -0.25, 3];
        var held = new HeldJob(JobKind.Generation, claimed.Id, claimed.Epoch);
        var e = await Assert.ThrowsAsync<InputException>(() => Jobs.CompleteAsync("worker-1", held, new GeneratedResponses([], [], scores[..5])));
        Assert.Contains("6 completions; the result holds 5 scores", e.Message);
        Assert.False(await Jobs.CompleteAsync("worker-2", held, new GeneratedResponses([], [], scores)));
        Assert.True(await Jobs.CompleteAsync("worker-1", held, new GeneratedResponses([], [], scores)));

        Assert.Equal(new ScoringProgress(6, 6, 0, 0, null), await Judges.ProgressAsync(judge, [dpo]));
        Assert.Equal(ScoringState.Scored, (await Judges.ProgressAsync(judge, [dpo])).State);
        var stored = await Judges.ScoresAsync(dpo, judge);
        Assert.Equal(samples.Select((s, i) => (s.Id, scores[i])), stored.OrderBy(x => x.Key).Select(x => (x.Key, x.Value)));
        Assert.Empty(await Judges.ScoresAsync(dpo, other));
        Assert.Equal(ScoringState.NotScored, (await Judges.ProgressAsync(other, [dpo])).State);
        await using var ctx = _db.CreateContext();
        Assert.All(await ctx.RunSamples.AsNoTracking().Where(s => s.RunId == dpo).ToListAsync(), s => Assert.Equal(1, s.Reward));
        Assert.Empty(await ctx.GenerationJobs.AsNoTracking().ToListAsync());
    }

    [Fact]
    public async Task AFailedReScore_IsShownWithItsError_AndQueueingAgainReplacesIt()
    {
        var (judge, _) = await AddCheckpointAsync(await AddRunAsync("reward"), 40);
        int dpo = await AddRunAsync("dpo");
        await AddSamplesAsync(dpo);
        await Judges.QueueAsync(judge, [dpo]);
        var claimed = (await Jobs.ClaimAsync("worker-1"))!;
        await Jobs.ProgressAsync("worker-1", new GenerationReport(claimed.Id, claimed.Epoch, 0, "judge", "This checkpoint is a language model, not a reward model."));

        var failed = await Judges.ProgressAsync(judge, [dpo]);
        Assert.Equal(ScoringState.Failed, failed.State);
        Assert.Equal("This checkpoint is a language model, not a reward model.", failed.Error);

        Assert.Equal(6, await Judges.QueueAsync(judge, [dpo]));
        Assert.Equal(ScoringState.Scoring, (await Judges.ProgressAsync(judge, [dpo])).State);
        await using var ctx = _db.CreateContext();
        Assert.Equal(GenerationStatus.Queued, Assert.Single(await ctx.GenerationJobs.AsNoTracking().ToListAsync()).Status);
    }

    [Fact]
    public async Task ALocalWorker_ScoresEverySample_AsTheEnginesRewardModelScorerDoes()
    {
        var (judge, folder) = await AddCheckpointAsync(await AddRunAsync("reward"), 40);
        int dpo = await AddRunAsync("dpo");
        var samples = await AddSamplesAsync(dpo);
        using var host = new WorkerHost(_db);
        _ = host.Address;
        var judges = host.Service(sp => sp.GetRequiredService<JudgeScores>());

        Assert.Equal(6, await judges.QueueAsync(judge, [dpo]));
        var deadline = DateTime.UtcNow.AddMinutes(3);
        ScoringProgress progress;
        while ((progress = await judges.ProgressAsync(judge, [dpo])).State == ScoringState.Scoring && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.True(progress.State == ScoringState.Scored, $"the re-score did not finish within 3 minutes: {progress}");

        var expected = RewardModelScoring.Score(folder, samples.Select(s => s.Prompt).ToList(), samples.Select(s => s.Completion).ToList());
        var stored = await judges.ScoresAsync(dpo, judge);
        Assert.Equal(samples.Select((s, i) => (s.Id, expected[i])), stored.OrderBy(x => x.Key).Select(x => (x.Key, x.Value)));
        var run = (await host.Service(sp => sp.GetRequiredService<RunService>()).ListAsync()).Single(r => r.Id == dpo);
        var evaluation = Assert.Single(await host.Service(sp => sp.GetRequiredService<RunEvaluations>()).LoadAsync([run], (await judges.RewardModelsAsync()).Single()));
        Assert.Equal("reward model reward run · step 40", evaluation.Judge);
        Assert.Equal([0, 10], evaluation.Scores.Select(s => s.Step));
        Assert.Equal(expected[3..].Average(), evaluation.Scores[1].Reward, 9);
    }
}
