using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Evaluation;

/// <summary>A checkpoint judged on the evaluation prompts: means with their standard errors over prompts, and its win rate against the start.</summary>
/// <param name="Reward">mean judge reward of the checkpoint's completions</param>
/// <param name="RewardStdErr">standard error of that mean over prompts</param>
/// <param name="Kl">mean sequence KL to the reference, Σₜ log π_θ(yₜ) − log π_ref(yₜ) of the sampled tokens (TRL's objective/kl per sequence)</param>
/// <param name="KlStdErr">standard error of that mean over prompts</param>
/// <param name="WinRate">the checkpoint's completion against the starting model's, prompt by prompt, by the same judge</param>
public sealed record Judgement(double Reward, double RewardStdErr, double Kl, double KlStdErr, WinRate WinRate);

/// <summary>
/// Judges checkpoints of one run against its starting model with one <see cref="IJudge"/>: each evaluation prompt is
/// completed once at temperature 1 by the starting model (once, up front) and by each checkpoint (seeded, the same
/// seed for every checkpoint), so a checkpoint's reward, KL and win rate differ from another's only by what it learned.
/// </summary>
public sealed class CheckpointJudge
{
    private readonly IJudge _judge;
    private readonly ParameterTensors _reference;
    private readonly IReadOnlyList<PromptExample> _prompts;
    private readonly List<int[]> _ids;
    private readonly ITokenizer _tokenizer;
    private readonly int _seed, _maxNew;
    private readonly List<PolicySample> _start;
    private readonly double[] _startScores;

    /// <param name="reference">the starting model, which is also the KL reference (the SFT checkpoint of a DPO/PPO run)</param>
    /// <param name="maxNewTokens">completion length at most</param>
    public CheckpointJudge(IJudge judge, ParameterTensors reference, ITokenizer tokenizer, IReadOnlyList<PromptExample> prompts, int seed, int maxNewTokens)
    {
        if (prompts.Count == 0) throw new ArgumentException("Judging needs at least one evaluation prompt.");
        _judge = judge;
        _reference = reference;
        _tokenizer = tokenizer;
        _prompts = prompts;
        _seed = seed;
        _maxNew = maxNewTokens;
        _ids = prompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToList();
        _start = PolicySamples.Generate(reference, tokenizer, _ids, 1f, seed + 1, maxNewTokens);
        _startScores = _judge.Scores(prompts, _start.Select(s => s.Text).ToList(), _ids, _start.Select(s => s.Ids).ToList());
    }

    public Judgement Judge(ParameterTensors policy)
    {
        var samples = PolicySamples.Generate(policy, _tokenizer, _ids, 1f, _seed, _maxNew);
        var completions = samples.Select(s => s.Ids).ToList();
        var texts = samples.Select(s => s.Text).ToList();
        var own = new LogProbs(new InferenceModel(policy)).Compute(_ids, completions);
        var reference = new LogProbs(new InferenceModel(_reference)).Compute(_ids, completions);
        var kl = new double[samples.Count];
        for (int i = 0; i < kl.Length; i++) kl[i] = own[i].Sum - reference[i].Sum;
        var scores = _judge.Scores(_prompts, texts, _ids, completions);
        var outcomes = new int[samples.Count];
        for (int i = 0; i < outcomes.Length; i++) outcomes[i] = _judge.Compare(_prompts[i], texts[i], _start[i].Text, scores[i], _startScores[i]);
        var (r, rse) = MeanAndStdErr(scores);
        var (k, kse) = MeanAndStdErr(kl);
        return new Judgement(r, rse, k, kse, WinRate.Of(outcomes));
    }

    /// <summary>The starting model's mean reward and its standard error (its KL is 0 and its win rate against itself ½).</summary>
    public (double Mean, double StdErr) StartReward => MeanAndStdErr(_startScores);

    /// <summary>Mean and standard error of the mean (sample standard deviation / √n; 0 for one value).</summary>
    public static (double Mean, double StdErr) MeanAndStdErr(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n == 0) throw new ArgumentException("A mean needs at least one value.");
        double mean = values.Average();
        if (n == 1) return (mean, 0);
        double ss = 0;
        foreach (double v in values) ss += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(ss / (n - 1) / n));
    }
}
