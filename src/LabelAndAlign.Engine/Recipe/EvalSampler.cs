using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// The evaluation samples of a run, on its engine: each fixed prompt completed at temperature 0.7 (seeded, so a step's
/// samples repeat exactly), then scored (<see cref="SampleScorer"/>: reward and KL to the reference).
/// </summary>
internal sealed class EvalSampler(BpeTokenizer tokenizer, IReadOnlyList<PromptExample> prompts, int maxNewTokens, int seed, SampleScorer scorer)
{
    public const float Temperature = 0.7f;

    private readonly int[][] _ids = prompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToArray();

    public IReadOnlyList<CheckpointSample> Sample(ITrainableGpt model)
    {
        var cfg = model.Config;
        var fit = Enumerable.Range(0, prompts.Count).Where(i => _ids[i].Length < cfg.BlockSize).ToList();
        if (fit.Count == 0) return [];
        int room = Math.Min(maxNewTokens, cfg.BlockSize + 1 - fit.Max(i => _ids[i].Length));
        if (room <= 0) return [];
        var ids = fit.Select(i => _ids[i]).ToList();
        var gen = model.Sampler().Generate(ids, new SamplingOptions
        {
            MaxNewTokens = room, Temperature = Temperature, EosId = tokenizer.EosId, Seed = seed,
        });
        var texts = new string[fit.Count];
        for (int i = 0; i < fit.Count; i++)
        {
            var t = gen.Tokens[i];
            texts[i] = tokenizer.Decode(gen.Stopped[i] ? t.AsSpan(0, t.Length - 1) : t, skipSpecial: true);
        }
        return scorer.Score(model, fit.Select(i => prompts[i]).ToList(), ids, gen.Tokens, texts);
    }
}
