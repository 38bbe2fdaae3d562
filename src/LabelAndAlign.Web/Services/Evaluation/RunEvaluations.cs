using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Services.Evaluation;

/// <summary>
/// A run as the Reward-vs-KL and win-rate views show it: its key setting, the judge of its samples (the task pack's
/// oracle, or the reward model the lead picked; null when no oracle can judge its data and no reward model was
/// picked), its scored checkpoints and what blind reviewers said about them.
/// </summary>
public sealed record RunEvaluation(RunSummary Run, string Setting, string? Judge, IReadOnlyList<CheckpointScore> Scores, IReadOnlyList<HumanWinRate> Human,
    RewardModelChoice? RewardModel = null)
{
    /// <summary>"DPO β 0.1 · online": what the legend and hover call the run beside its name.</summary>
    public string Label => $"{Run.Name} — {Algorithms.TryParse(Run.Algorithm)?.Label() ?? Run.Algorithm}{(Setting.Length > 0 ? " " + Setting : "")}";
}

/// <summary>Reads what the evaluation views of Compare need for the chosen runs.</summary>
public sealed class RunEvaluations(RunService runs, DatasetService datasets, BlindReviews blind, JudgeScores judges)
{
    /// <summary>
    /// The runs judged by each one's task-pack oracle, or with <paramref name="rewardModel"/> all by that reward model
    /// (only the samples it has scored so far: <see cref="JudgeScores.QueueAsync"/>).
    /// </summary>
    public async Task<IReadOnlyList<RunEvaluation>> LoadAsync(IReadOnlyList<RunSummary> chosen, RewardModelChoice? rewardModel = null, CancellationToken cancel = default)
    {
        var list = new List<RunEvaluation>(chosen.Count);
        foreach (var run in chosen)
        {
            string? judge;
            IReadOnlyList<CheckpointScore> scores;
            if (rewardModel is not null)
            {
                judge = rewardModel.Name;
                scores = CheckpointScores.Of(await runs.SamplesAsync(run.Id, cancel), await judges.ScoresAsync(run.Id, rewardModel.CheckpointId, cancel));
            }
            else
            {
                var dataset = run.DatasetId is int id ? await datasets.FindAsync(id, cancel) : null;
                var pack = dataset is null ? null : DatasetService.PackOf(dataset);
                judge = pack is null ? null : $"{pack.Name} oracle";
                scores = pack is null ? [] : CheckpointScores.Of(await runs.SamplesAsync(run.Id, cancel));
            }
            list.Add(new RunEvaluation(run, CheckpointScores.KeySetting(run.Algorithm, run.Config), judge, scores, await blind.ResultsAsync(run.Id, cancel), rewardModel));
        }
        return list;
    }
}
