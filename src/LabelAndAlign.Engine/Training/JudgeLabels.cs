using LabelAndAlign.Engine.Evaluation;

namespace LabelAndAlign.Engine.Training;

/// <summary>
/// TRL's OnlineDPOTrainer labeling: every step samples two completions for each of its prompts and a judge (the task
/// pack's oracle, or a reward model) picks the better at once. Records <c>objective/scores</c> (the judge's mean score),
/// <c>judge/ties</c> and <c>val/contain_eos_token</c>.
/// </summary>
public sealed class JudgeLabels(IJudge judge) : IOnlineLabels
{
    public IReadOnlyList<StepPair?> PairsFor(OnlineStep step, CancellationToken cancel)
    {
        var s = step.Sample(step.Examples, step.Step, cancel);
        int n = s.Count;
        var prompts = Enumerable.Range(0, 2 * n).Select(r => step.Prompts[s.Prompts[r % n]]).ToList();
        var scores = judge.Scores(prompts, s.Texts, s.PromptIds, s.Tokens);
        var reference = step.Reference(s.PromptIds, s.Tokens, cancel);
        var pairs = new StepPair?[n];
        int ties = 0;
        for (int i = 0; i < n; i++)
        {
            int a = i, b = n + i;
            int verdict = judge.Compare(prompts[a], s.Texts[a], s.Texts[b], scores[a], scores[b]);
            if (verdict == 0 || s.Tokens[a].Length == 0 || s.Tokens[b].Length == 0)
            {
                ties++;
                continue;
            }
            var (c, r) = verdict > 0 ? (a, b) : (b, a);
            pairs[i] = new StepPair(new TokenizedPreference(s.PromptIds[a], s.Tokens[c], s.Tokens[r]), reference[c], reference[r]);
        }
        step.Metrics.Set("objective/scores", scores.Average());
        step.Metrics.Set("judge/ties", (double)ties / n);
        step.Metrics.Set("val/contain_eos_token", (double)s.Stopped.Count(x => x) / (2 * n));
        return pairs;
    }
}
