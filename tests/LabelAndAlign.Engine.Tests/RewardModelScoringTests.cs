using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public class RewardModelScoringTests
{
    private const string Corpus = "The cat sat on the mat. The dog ran in the park. A bird sang a song. Good great happy sad bad awful.";

    /// <summary>A random reward model (or language model) with a tokenizer, saved as a checkpoint folder.</summary>
    private static (BpeTokenizer Tokenizer, ParameterTensors Weights) Save(string folder, bool scalarHead, int seed = 7)
    {
        var tokenizer = BpeTrainer.Train(Corpus, new BpeTrainerOptions { VocabSize = 300 });
        var config = new GptConfig { VocabSize = tokenizer.VocabSize, BlockSize = 48, Channels = 32, Layers = 1, Heads = 2, ScalarHead = scalarHead };
        var weights = new Gpt(config, seed).Parameters;
        Checkpoint.Save(folder, weights);
        TokenizerFiles.Save(tokenizer, folder);
        return (tokenizer, weights);
    }

    private static (List<string> Prompts, List<string> Completions) Texts(int n)
    {
        var random = new Random(3);
        string[] words = ["the", "cat", "sat", "good", "bad", "happy", "dog", "park", "song", "awful"];
        string Phrase(int len) => string.Join(" ", Enumerable.Range(0, len).Select(_ => words[random.Next(words.Length)]));
        var prompts = Enumerable.Range(0, n).Select(i => i == 0 ? "" : Phrase(1 + random.Next(6))).ToList();
        var completions = Enumerable.Range(0, n).Select(i => i == 1 ? "" : Phrase(1 + random.Next(8))).ToList();
        return (prompts, completions);
    }

    [Fact]
    public void Score_EqualsTheRewardTrainersScore_OfThePromptAndTheEosEndedCompletion()
    {
        using var dir = new TempDirectory();
        var (tokenizer, weights) = Save(dir.Path, scalarHead: true);
        var (prompts, completions) = Texts(45); // two batches, an empty prompt and an empty completion among them
        var scores = RewardModelScoring.Score(dir.Path, prompts, completions);

        // The path a reward run trains and measures accuracy with: prompt + completion + EOS, read at the last token.
        var rows = prompts.Select((p, i) => new TokenizedPair(ChatTemplate.EncodePrompt(tokenizer, p), ChatTemplate.EncodeCompletion(tokenizer, completions[i]))).ToList();
        var expected = RewardTrainer.Score(new Gpt(weights), rows, tokenizer.EosId);
        Assert.Equal(45, scores.Length);
        for (int i = 0; i < scores.Length; i++) Assert.Equal(expected[i], scores[i], 4);
        Assert.True(scores.Distinct().Count() > 10, "a random reward model should score different texts differently");
    }

    [Fact]
    public void Score_IsTheRewardModelFunctionPpoOptimizes()
    {
        using var dir = new TempDirectory();
        var (tokenizer, weights) = Save(dir.Path, scalarHead: true, seed: 11);
        var (prompts, completions) = Texts(5);
        using var frozen = NativeGptEngine.Instance.Frozen(weights);
        var expected = new RewardModelFunction(frozen).Score(prompts.Select(p => new PromptExample(p)).ToList(), completions,
            prompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p)).ToList(), completions.Select(c => ChatTemplate.EncodeCompletion(tokenizer, c)).ToList());
        Assert.Equal(expected.Select(x => (double)x), RewardModelScoring.Score(dir.Path, prompts, completions));
    }

    [Fact]
    public void Score_ReportsProgressAfterEachBatch()
    {
        using var dir = new TempDirectory();
        Save(dir.Path, scalarHead: true);
        var (prompts, completions) = Texts(40);
        var progress = new List<int>();
        RewardModelScoring.Score(dir.Path, prompts, completions, progress.Add);
        Assert.Equal([32, 40], progress);
    }

    [Fact]
    public void Score_ALanguageModel_IsRefused_NamingWhatToChoose()
    {
        using var dir = new TempDirectory();
        Save(dir.Path, scalarHead: false);
        var e = Assert.Throws<RewardModelScoringException>(() => RewardModelScoring.Score(dir.Path, ["a"], ["b"]));
        Assert.Contains("not a reward model", e.Message);
        Assert.Contains("checkpoint of a reward run", e.Message);
    }

    [Fact]
    public void Score_AFolderWithoutACheckpoint_IsRefusedAsUnreadable()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<RewardModelScoringException>(() => RewardModelScoring.Score(dir.Path, ["a"], ["b"]));
        Assert.StartsWith("The checkpoint could not be read", e.Message);
    }
}
