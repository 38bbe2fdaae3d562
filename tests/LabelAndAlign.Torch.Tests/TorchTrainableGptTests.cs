using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Torch.Training;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Tests;

/// <summary>The torch engine's trainable GPT against the native one, through the engine-neutral seam the algorithms use.</summary>
public class TorchTrainableGptTests
{
    private static readonly GptConfig Config = GptConfig.Tiny with { VocabSize = 60, BlockSize = 16, Channels = 16, Layers = 2, Heads = 2 };
    private static readonly AdamWOptions Adam = new() { LearningRate = 1e-2f, WeightDecay = 0.01f, DecayMatricesOnly = true };

    private static SequenceBatch Batch(bool scoreLastToken = false) => SequenceBatch.Build(
        [new TokenizedPair([1, 2, 3], [4, 5, 6, 7]), new TokenizedPair([8], [9, 10]), new TokenizedPair([11, 12, 13, 14], [15])],
        padId: 0, Config.BlockSize, scoreLastToken);

    private static (ITrainableGpt Native, ITrainableGpt Torch) Pair(GptConfig config, int seed)
    {
        var native = new Gpt(config, seed).Parameters;
        var torch = new Gpt(config, seed).Parameters;
        return (NativeGptEngine.Instance.Trainable(native, Adam), TorchGptEngine.For(CPU).Trainable(torch, Adam));
    }

    [Fact]
    public void Policy_NumbersGradientsAndThreeSteps_MatchNative()
    {
        var (native, torch) = Pair(Config, seed: 1);
        using var _ = torch;
        var batch = Batch();
        for (int step = 0; step < 3; step++)
        {
            native.ZeroGrad();
            torch.ZeroGrad();
            var a = native.Policy(batch);
            var b = torch.Policy(batch);
            Assert.True(TorchGptTests.MaxAbsDiff(a.LogProb, b.LogProb) <= 1e-4);
            Assert.True(TorchGptTests.MaxAbsDiff(a.Entropy, b.Entropy) <= 1e-4);
            Assert.True(TorchGptTests.MaxAbsDiff(a.MeanLogit, b.MeanLogit) <= 1e-4);
            Assert.Equal(a.Correct, b.Correct);
            // An SFT-like loss: mean NLL of the trained tokens.
            var d = batch.Targets.Select(t => t == TokenLogits.Ignore ? 0f : -1f / batch.TargetCount).ToArray();
            a.Backward(d);
            b.Backward(d);
            Assert.Equal(native.GradientNorm(), torch.GradientNorm(), 1e-4f);
            native.OptimizerStep(1e-2f);
            torch.OptimizerStep(1e-2f);
        }
        Assert.True(TorchGptTests.MaxAbsDiff(native.Weights().Data, torch.Weights().Data) <= 1e-4);
        var sa = native.OptimizerState();
        var sb = torch.OptimizerState();
        Assert.Equal(3, sb.Step);
        Assert.True(TorchGptTests.MaxAbsDiff(sa.M, sb.M) <= 1e-5);
    }

    [Fact]
    public void ScoresAndValues_AndTheirGradients_MatchNative()
    {
        var (native, torch) = Pair(Config with { ScalarHead = true }, seed: 2);
        using var _ = torch;
        var batch = Batch(scoreLastToken: true);
        var rng = new Random(3);

        native.ZeroGrad();
        torch.ZeroGrad();
        var a = native.Scores(batch);
        var b = torch.Scores(batch);
        Assert.True(TorchGptTests.MaxAbsDiff(a.Values, b.Values) <= 1e-5);
        var ds = a.Values.Select(_ => (float)rng.NextDouble()).ToArray();
        a.Backward(ds);
        b.Backward(ds);
        Assert.True(torch.GradientNorm() > 0);
        Assert.Equal(native.GradientNorm(), torch.GradientNorm(), 1e-4f);

        native.ZeroGrad();
        torch.ZeroGrad();
        var va = native.Values(batch);
        var vb = torch.Values(batch);
        Assert.Equal(batch.B * batch.T, vb.Values.Length);
        Assert.True(TorchGptTests.MaxAbsDiff(va.Values, vb.Values) <= 1e-5);
        var dv = va.Values.Select(_ => (float)rng.NextDouble()).ToArray();
        va.Backward(dv);
        vb.Backward(dv);
        Assert.Equal(native.GradientNorm(), torch.GradientNorm(), 1e-4f);
    }

    [Fact]
    public void OptimizerState_FromTheNativeEngine_ContinuesIdentically()
    {
        var (native, torch) = Pair(Config, seed: 4);
        using var _ = torch;
        var batch = Batch();
        var d = batch.Targets.Select(t => t == TokenLogits.Ignore ? 0f : -0.1f).ToArray();
        native.ZeroGrad();
        native.Policy(batch).Backward(d);
        native.OptimizerStep(1e-2f);

        torch.LoadWeights(native.Weights());
        torch.LoadOptimizerState(native.OptimizerState());
        foreach (var m in new[] { native, torch })
        {
            m.ZeroGrad();
            m.Policy(batch).Backward(d);
            m.OptimizerStep(1e-2f);
        }
        Assert.Equal(2, torch.OptimizerState().Step);
        Assert.True(TorchGptTests.MaxAbsDiff(native.Weights().Data, torch.Weights().Data) <= 1e-5);
    }

    [Fact]
    public void FrozenLogProbsScoresAndSamples_MatchNative()
    {
        var weights = new Gpt(Config, seed: 5).Parameters;
        using var native = NativeGptEngine.Instance.Frozen(weights);
        using var torch = TorchGptEngine.For(CPU).Frozen(weights);
        int[][] prompts = [[1, 2], [3]], completions = [[4, 5, 6], [7]];
        var a = native.LogProbs(prompts, completions);
        var b = torch.LogProbs(prompts, completions);
        for (int i = 0; i < 2; i++) Assert.Equal(a[i].Sum, b[i].Sum, 1e-4);
        var options = new Engine.Inference.SamplingOptions { Temperature = 0, MaxNewTokens = 6 };
        Assert.Equal(native.Sampler().Generate(prompts, options).Tokens, torch.Sampler().Generate(prompts, options).Tokens);
    }
}
