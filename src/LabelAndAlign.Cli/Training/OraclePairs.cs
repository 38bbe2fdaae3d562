using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Cli.Training;

/// <summary>
/// Preference pairs a task pack's oracle labels, as a human labeler would, for reward-model and DPO runs on a pack:
/// two samples of a model per prompt, or (with no model to sample from) two completions of the pack's corpus. Ties are
/// dropped. The pairs are text, and train through the recipe like any imported preference dataset.
/// </summary>
internal static class OraclePairs
{
    public static List<PreferenceExample> FromModel(ITaskPack pack, ParameterTensors weights, ITokenizer tokenizer, IReadOnlyList<PromptExample> prompts,
        int sampleSeed, out int ties)
    {
        var ids = prompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToList();
        var a = PolicySamples.Generate(weights, tokenizer, ids, 1f, sampleSeed, pack.MaxCompletionTokens);
        var b = PolicySamples.Generate(weights, tokenizer, ids, 1f, sampleSeed + 1, pack.MaxCompletionTokens);
        var pairs = Label(pack, prompts, i => (a[i].Text, b[i].Text), out ties);
        if (pairs.Count == 0)
            throw new InvalidDataException($"The {pack.Name} oracle called all {prompts.Count} sampled pairs ties; the model is too weak to sample from (train it longer).");
        return pairs;
    }

    public static List<PreferenceExample> FromCorpus(ITaskPack pack, int seed, IReadOnlyList<PromptExample> prompts)
    {
        var corpus = pack.SftCorpus(seed + 5, 2 * prompts.Count);
        var pairs = Label(pack, prompts, i => (corpus[2 * i].Completion ?? "", corpus[2 * i + 1].Completion ?? ""), out _);
        if (pairs.Count == 0)
            throw new InvalidDataException($"The {pack.Name} oracle called every one of {prompts.Count} pairs a tie; start from a trained model (init_from) or raise pack_examples.");
        return pairs;
    }

    private static List<PreferenceExample> Label(ITaskPack pack, IReadOnlyList<PromptExample> prompts, Func<int, (string A, string B)> pair, out int ties)
    {
        var pairs = new List<PreferenceExample>();
        ties = 0;
        for (int i = 0; i < prompts.Count; i++)
        {
            var (a, b) = pair(i);
            switch (pack.Prefer(prompts[i], a, b))
            {
                case Preference.First: pairs.Add(new PreferenceExample(prompts[i].Prompt, a, b)); break;
                case Preference.Second: pairs.Add(new PreferenceExample(prompts[i].Prompt, b, a)); break;
                default: ties++; break;
            }
        }
        return pairs;
    }
}
