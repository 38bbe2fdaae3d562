using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Engine.Evaluation;

/// <summary>One completion sampled from a policy: its ids (EOS kept when it stopped), text, and summed log-probability at temperature 1.</summary>
public sealed record PolicySample(int[] Ids, string Text, double LogProb);

/// <summary>Completions of a checkpoint for a judge (a task pack's oracle, a reward model) to score, on the CPU's inference path.</summary>
public static class PolicySamples
{
    public static List<PolicySample> Generate(ParameterTensors weights, ITokenizer tokenizer, IReadOnlyList<int[]> prompts, float temperature, int seed, int maxNew = 24)
    {
        var cfg = weights.Config;
        int room = Math.Min(maxNew, cfg.BlockSize + 1 - prompts.Max(p => p.Length));
        if (room <= 0) throw new ArgumentException($"A prompt of {prompts.Max(p => p.Length)} tokens leaves no room in the block size {cfg.BlockSize}.");
        var gen = new Sampler(new InferenceModel(weights)).Generate(prompts, new SamplingOptions
        {
            MaxNewTokens = room, Temperature = temperature, EosId = tokenizer.EosId, Seed = seed,
        });
        var list = new List<PolicySample>(prompts.Count);
        for (int i = 0; i < prompts.Count; i++)
        {
            var t = gen.Tokens[i];
            string text = tokenizer.Decode(gen.Stopped[i] ? t.AsSpan(0, t.Length - 1) : t, skipSpecial: true);
            list.Add(new PolicySample(t, text, gen.LogProbs[i].Sum(x => (double)x)));
        }
        return list;
    }
}
