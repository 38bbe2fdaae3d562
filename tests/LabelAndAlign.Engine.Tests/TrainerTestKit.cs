using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

/// <summary>Tiny tokenizer, model and data shared by the trainer tests (built once: BPE training is the slow part).</summary>
internal static class TrainerTestKit
{
    private static readonly Lazy<BpeTokenizer> SentimentTokenizer = new(() =>
        BpeTrainer.Train(new SentimentPack().TokenizerCorpus(1), new BpeTrainerOptions { VocabSize = 320 }));

    public static BpeTokenizer Tokenizer => SentimentTokenizer.Value;

    public static GptConfig Shape(bool scalarHead = false) =>
        new() { VocabSize = Tokenizer.VocabSize, BlockSize = 40, Channels = 32, Layers = 1, Heads = 2, ScalarHead = scalarHead };

    public static List<TokenizedPair> SftRows(int count, int seed = 1) =>
        new SentimentPack().SftCorpus(seed, count).Select(e => ChatTemplate.Tokenize(Tokenizer, e)).ToList();

    public static ParameterTensors Copy(ParameterTensors p)
    {
        var c = p.CreateLike();
        p.Data.AsSpan().CopyTo(c.Data);
        return c;
    }

    private static readonly Dictionary<int, ParameterTensors> SftCache = [];

    /// <summary>A fresh copy of a model SFT-trained on the sentiment pack (a sensible start for preference training); trained once per step count.</summary>
    public static Gpt SftModel(int steps = 200, int seed = 3)
    {
        ParameterTensors trained;
        lock (SftCache)
        {
            if (!SftCache.TryGetValue(steps, out trained!))
            {
                var model = new Gpt(Shape(), seed);
                new Trainer(model, new SftTrainer(SftRows(1000), Tokenizer.PadId, model.Config),
                    new TrainerOptions { MaxSteps = steps, BatchSize = 16, LearningRate = 1e-2f, WarmupSteps = 10, Seed = seed }).Run();
                SftCache[steps] = trained = model.Parameters;
            }
        }
        return new Gpt(Copy(trained));
    }

    /// <summary>Preference pairs where chosen is a positive review and rejected a negative one.</summary>
    public static List<TokenizedPreference> SentimentPairs(int count, int seed = 1)
    {
        var rng = new Random(seed);
        string[] pos = ["great", "wonderful", "amazing", "lovely", "excellent"];
        string[] neg = ["terrible", "boring", "awful", "bad", "dull"];
        var prompts = new SentimentPack().Prompts(seed, count);
        return prompts.Select(p => new TokenizedPreference(
            ChatTemplate.EncodePrompt(Tokenizer, p.Prompt),
            ChatTemplate.EncodeCompletion(Tokenizer, $" {pos[rng.Next(pos.Length)]}, and I loved it."),
            ChatTemplate.EncodeCompletion(Tokenizer, $" {neg[rng.Next(neg.Length)]}, and I hated it."))).ToList();
    }
}
