using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Engine.Training;

/// <summary>
/// Where online DPO's preferences come from (<see cref="OnlineDpoTrainer"/>): a judge labeling the step's own samples
/// at once (<see cref="JudgeLabels"/>: the task pack's oracle or a reward model), or people labeling rounds of samples
/// in a labeling project (<see cref="PeopleLabels"/>). The trainer is the same for both; only this differs.
/// </summary>
public interface IOnlineLabels
{
    /// <summary>
    /// The pairs step <see cref="OnlineStep.Step"/> trains on, as many as it has examples; null where there is no
    /// preference (a tie, both bad, an empty completion). May wait (people labeling), honouring <paramref name="cancel"/>.
    /// </summary>
    IReadOnlyList<StepPair?> PairsFor(OnlineStep step, CancellationToken cancel);
}

/// <summary>A preference the step trains on, with the frozen reference's summed log-probs of both completions.</summary>
public sealed record StepPair(TokenizedPreference Pair, double RefChosen, double RefRejected);

/// <summary>
/// Two completions for each of some prompts, sampled in one batch: rows [0, n) are the first completions, [n, 2n) the
/// second, in <see cref="Prompts"/>' order. <see cref="Tokens"/> end with EOS where the model stopped.
/// </summary>
public sealed record SampledPairs(IReadOnlyList<int> Prompts, int[][] PromptIds, int[][] Tokens, string[] Texts, bool[] Stopped)
{
    public int Count => Prompts.Count;
}

/// <summary>One step of online DPO as a label source sees it: its examples, the policy to sample from, the frozen reference.</summary>
public sealed class OnlineStep(int step, IReadOnlyList<int> examples, MetricBag metrics, IReadOnlyList<PromptExample> prompts, int[][] promptIds,
    ITokenizer tokenizer, int blockSize, Func<IReadOnlyList<int[]>, int, CancellationToken, GenerationResult> generate, IFrozenGpt reference)
{
    public int Step => step;

    /// <summary>The prompt indices the trainer drew for this step.</summary>
    public IReadOnlyList<int> Examples => examples;

    public MetricBag Metrics => metrics;
    public IReadOnlyList<PromptExample> Prompts => prompts;
    public int[] PromptIds(int prompt) => promptIds[prompt];
    public ITokenizer Tokenizer => tokenizer;

    /// <summary>Positions the model reads: a prompt and its completion together fit in one more token than this.</summary>
    public int BlockSize => blockSize;

    /// <summary>Two completions per prompt from the current policy, seeded by (seed, <paramref name="seedStep"/>) so a resume repeats them.</summary>
    public SampledPairs Sample(IReadOnlyList<int> prompts, int seedStep, CancellationToken cancel)
    {
        int n = prompts.Count;
        var ids = new int[2 * n][];
        for (int r = 0; r < 2 * n; r++) ids[r] = promptIds[prompts[r % n]];
        var gen = generate(ids, seedStep, cancel);
        var texts = new string[2 * n];
        for (int r = 0; r < 2 * n; r++)
        {
            var t = gen.Tokens[r];
            texts[r] = tokenizer.Decode(gen.Stopped[r] ? t.AsSpan(0, t.Length - 1) : t, skipSpecial: true);
        }
        return new SampledPairs(prompts, ids, gen.Tokens, texts, gen.Stopped);
    }

    /// <summary>The frozen reference's summed log-probs of each completion after its prompt.</summary>
    public double[] Reference(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> completions, CancellationToken cancel) =>
        reference.LogProbs(prompts, completions, cancel).Select(l => l.Sum).ToArray();
}
