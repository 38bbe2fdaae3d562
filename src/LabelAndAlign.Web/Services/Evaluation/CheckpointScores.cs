using System.Globalization;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Web.Data.Runs;

namespace LabelAndAlign.Web.Services.Evaluation;

/// <summary>
/// One evaluated step of a run, over its evaluation prompts: mean KL to the reference and mean judge reward with their
/// standard errors over prompts, and — when the run sampled its starting model (step 0) — the win rate against it,
/// prompt by prompt (the higher reward wins, equal rewards tie and count half), with its 95% Wilson interval.
/// </summary>
public sealed record CheckpointScore(int Step, int Prompts, double Kl, double KlStdErr, double Reward, double RewardStdErr, WinRate? WinRate);

/// <summary>
/// The reward–KL and win-rate points of a run, from the evaluation samples its worker stored at each evaluation and
/// checkpoint (scored where they were generated: <see cref="SampleScorer"/>). On a task pack every sample's reward is
/// the pack's oracle, so runs on one pack share one judge; a reward model a lead picks scores them afterwards
/// (<see cref="JudgeScores"/>), and then judges any runs alike.
/// </summary>
public static class CheckpointScores
{
    /// <summary>
    /// Every step with scored samples (both a reward and a KL), in step order; step 0 (the start, KL 0) included. The
    /// reward is each sample's own (the oracle's), or with <paramref name="judged"/> a reward model's score by sample id
    /// (samples it did not score are left out).
    /// </summary>
    public static IReadOnlyList<CheckpointScore> Of(IEnumerable<RunSample> samples, IReadOnlyDictionary<long, double>? judged = null)
    {
        if (judged is not null)
            samples = samples.Select(s => new RunSample
            {
                Id = s.Id, RunId = s.RunId, Step = s.Step, Prompt = s.Prompt, Completion = s.Completion, Kl = s.Kl, Length = s.Length, Time = s.Time,
                Reward = judged.TryGetValue(s.Id, out double score) ? score : null,
            });
        var byStep = samples.Where(s => s.Reward is double r && double.IsFinite(r) && s.Kl is double k && double.IsFinite(k))
            .GroupBy(s => s.Step).OrderBy(g => g.Key).ToList();
        // The start's reward per prompt (its first sample of each prompt): what each checkpoint's completion is judged against.
        var start = byStep.FirstOrDefault(g => g.Key == 0)?.GroupBy(s => s.Prompt, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Reward!.Value, StringComparer.Ordinal);
        var scores = new List<CheckpointScore>(byStep.Count);
        foreach (var step in byStep)
        {
            var list = step.ToList();
            var (kl, klSe) = CheckpointJudge.MeanAndStdErr(list.Select(s => s.Kl!.Value).ToList());
            var (reward, rewardSe) = CheckpointJudge.MeanAndStdErr(list.Select(s => s.Reward!.Value).ToList());
            WinRate? win = null;
            if (start is not null)
            {
                var outcomes = list.Where(s => start.ContainsKey(s.Prompt)).Select(s => s.Reward!.Value.CompareTo(start[s.Prompt])).ToList();
                if (outcomes.Count > 0) win = WinRate.Of(outcomes);
            }
            scores.Add(new CheckpointScore(step.Key, list.Count, kl, klSe, reward, rewardSe, win));
        }
        return scores;
    }

    /// <summary>
    /// The setting a run is known by beside its algorithm, from its stored options: DPO's β (and a loss other than
    /// sigmoid, "online"), PPO's KL coefficient (adaptive), GRPO's β; empty for SFT and reward models.
    /// </summary>
    public static string KeySetting(string algorithm, JsonObject config)
    {
        string? Value(string key) => config[key] is JsonValue v ? v.ToJsonString().Trim('"') : null;
        return Algorithms.TryParse(algorithm) switch
        {
            Algorithm.Dpo => Join($"β {Value("beta") ?? Default(algorithm, "beta")}",
                Value("loss_type") is { } l && l != "sigmoid" ? l : null, Value("online") == "true" ? "online" : null),
            Algorithm.Ppo => Join($"KL coef {Value("kl_coef") ?? Default(algorithm, "kl_coef")}", Value("adaptive_kl") == "true" ? "adaptive" : null),
            Algorithm.Grpo => $"β {Value("beta") ?? Default(algorithm, "beta")}",
            _ => "",
        };
    }

    private static string Default(string algorithm, string key) =>
        RunKeys.Describe(Algorithms.TryParse(algorithm)!.Value).First(k => k.Key == key).Default?.ToJsonString() ?? "";

    private static string Join(params string?[] parts) => string.Join(" · ", parts.Where(p => !string.IsNullOrEmpty(p)));

    /// <summary>A number as the views show it.</summary>
    public static string N(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
