using LabelAndAlign.Engine.Inference;

namespace LabelAndAlign.Engine.Tests;

public class LogProbsTests
{
    private static readonly InferenceModel Model = new(InferenceTestModels.Random(InferenceTestModels.Small, seed: 31));
    private const int V = 96;

    [Fact]
    public void Compute_EqualsLogSoftmaxOfFullLogitsGathered()
    {
        int[][] prompts = [[1, 2, 3], [50], [7, 7, 7, 7]];
        int[][] completions = [[4, 5, 6, 90], [51, 52], []];
        var scorer = new LogProbs(Model);
        var r = scorer.Compute(prompts, completions);
        for (int i = 0; i < prompts.Length; i++)
        {
            int[] seq = [.. prompts[i], .. completions[i]];
            var logits = scorer.Logits(seq);
            double sum = 0;
            Assert.Equal(completions[i].Length, r[i].PerToken.Length);
            for (int j = 0; j < completions[i].Length; j++)
            {
                var row = logits.AsSpan((prompts[i].Length - 1 + j) * V, V);
                double max = row.ToArray().Max();
                double lse = max + Math.Log(row.ToArray().Sum(x => Math.Exp(x - max)));
                double expected = row[completions[i][j]] - lse;
                Assert.Equal(expected, r[i].PerToken[j], 4);
                sum += r[i].PerToken[j];
            }
            Assert.Equal(sum, r[i].Sum, 6);
        }
    }

    [Fact]
    public void Compute_GivesTheSameResultWhenSplitIntoSmallPasses()
    {
        int[][] prompts = [[1, 2, 3], [50, 60], [7, 8]];
        int[][] completions = [[4, 5], [51, 52, 53], [9]];
        var whole = new LogProbs(Model).Compute(prompts, completions);
        var split = new LogProbs(Model) { MaxTokensPerPass = 3 }.Compute(prompts, completions);
        for (int i = 0; i < 3; i++) Assert.Equal(whole[i].PerToken, split[i].PerToken);
    }

    [Fact]
    public void Compute_ThrowsOnEmptyPrompt()
    {
        var e = Assert.Throws<ArgumentException>(() => new LogProbs(Model).Compute([[]], [[1]]));
        Assert.Contains("Prompt 0 is empty", e.Message);
    }

    [Fact]
    public void Compute_ThrowsWhenCountsDiffer()
    {
        Assert.Throws<ArgumentException>(() => new LogProbs(Model).Compute([[1]], [[1], [2]]));
    }

    [Fact]
    public void Logits_ThrowsBeyondTheBlockSize()
    {
        var e = Assert.Throws<ArgumentException>(() => new LogProbs(Model).Logits(new int[33]));
        Assert.Contains("Sequence length 33 exceeds the model's block size 32", e.Message);
    }
}
