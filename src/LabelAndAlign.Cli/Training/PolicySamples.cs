using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Cli.Training;

/// <summary>One completion sampled from a policy: its ids (EOS kept when it stopped), text, and summed log-probability.</summary>
internal sealed record PolicySample(int[] Ids, string Text, double LogProb);

/// <summary>Completions of a checkpoint for the oracle to judge (the task packs' simulated labeler).</summary>
internal static class PolicySamples
{
    public static List<PolicySample> Generate(ParameterTensors weights, ITokenizer tokenizer, IReadOnlyList<int[]> prompts, float temperature, int seed, int maxNew = 24)
    {
        var cfg = weights.Config;
        int room = Math.Min(maxNew, cfg.BlockSize + 1 - prompts.Max(p => p.Length));
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
