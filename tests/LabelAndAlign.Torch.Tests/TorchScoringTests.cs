using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Torch.Model;
using LabelAndAlign.Torch.Training;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Tests;

public class TorchScoringTests
{
    private static readonly GptConfig Config = GptConfig.Tiny with { VocabSize = 50, BlockSize = 16, Channels = 16, Layers = 2, Heads = 2 };

    private static readonly int[][] Prompts = [[1, 2, 3], [4], [5, 6, 7, 8, 9, 10], [11, 12]];
    private static readonly int[][] Completions = [[13, 14], [15, 16, 17, 18, 19], [20], []];

    [Theory]
    [InlineData(8192)]
    [InlineData(7)] // one row per pass
    public void LogProbs_MatchNativeLogProbs(int maxTokensPerPass)
    {
        var weights = new Gpt(Config, seed: 5).Parameters;
        var native = new LogProbs(new InferenceModel(weights)).Compute(Prompts, Completions);
        using var model = new TorchGpt(Config, CPU);
        model.Parameters.Load(weights);
        var torch = new TorchScoring(model) { MaxTokensPerPass = maxTokensPerPass }.LogProbs(Prompts, Completions);
        for (int i = 0; i < Prompts.Length; i++)
        {
            Assert.Equal(native[i].PerToken.Length, torch[i].PerToken.Length);
            Assert.True(TorchGptTests.MaxAbsDiff(native[i].PerToken, torch[i].PerToken) <= 1e-5);
            Assert.Equal(native[i].Sum, torch[i].Sum, 1e-4);
        }
        Assert.Equal(0, torch[3].Sum);
    }

    [Fact]
    public void LogProbs_EmptyPrompt_Throws()
    {
        using var model = new TorchGpt(Config, CPU);
        var e = Assert.Throws<ArgumentException>(() => new TorchScoring(model).LogProbs([[]], [[1]]));
        Assert.Contains("Prompt 0 is empty", e.Message);
    }

    [Fact]
    public void Scores_MatchTheNativeScalarHeadAtTheLastToken()
    {
        var config = Config with { ScalarHead = true };
        var native = new Gpt(config, seed: 6);
        var rows = Prompts.Zip(Completions, (p, c) => new TokenizedPair(p, c)).ToList();
        var batch = SequenceBatch.Build(rows, padId: 0, config.BlockSize, scoreLastToken: true);
        native.Forward(batch.Inputs, batch.B, batch.T, batch.LastPosition, computeLogits: false);

        using var model = new TorchGpt(config, CPU);
        model.Parameters.Load(native.Parameters);
        var torch = new TorchScoring(model) { MaxTokensPerPass = 12 }.Scores(rows);
        Assert.True(TorchGptTests.MaxAbsDiff(native.Scalars, torch) <= 1e-5);
    }

    [Fact]
    public void Scores_WithoutScalarHead_Throws()
    {
        using var model = new TorchGpt(Config, CPU);
        var e = Assert.Throws<InvalidOperationException>(() => new TorchScoring(model).Scores([new TokenizedPair([1], [2])]));
        Assert.Contains("scalar head", e.Message);
    }
}
