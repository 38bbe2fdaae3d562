using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;
using LabelAndAlign.Torch.Model;
using LabelAndAlign.Torch.Optim;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Tests;

public class TorchAdamWTests
{
    private static readonly GptConfig Config = GptConfig.Tiny with { VocabSize = 40, BlockSize = 8, Channels = 16, Layers = 2, Heads = 2, ScalarHead = true };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Step_TenTimes_MatchesNativeAdamW(bool matricesOnly)
    {
        var options = new AdamWOptions { LearningRate = 1e-2f, WeightDecay = 0.1f, DecayMatricesOnly = matricesOnly };
        var weights = new Gpt(Config, seed: 2).Parameters;
        var native = new AdamW(weights, options);
        using var model = new TorchParameters(Config, CPU);
        model.Load(weights);
        using var torch = new TorchAdamW(model, options);
        var grads = new ParameterTensors(Config);
        var rng = new Random(9);
        for (int step = 0; step < 10; step++)
        {
            for (int i = 0; i < grads.Count; i++) grads.Data[i] = (float)(rng.NextDouble() - 0.5);
            native.LearningRate = torch.LearningRate = 1e-2f / (step + 1);
            native.Step(grads);
            HostTensors.CopyIn(model.Gradients, grads.Data);
            torch.Step();
        }
        Assert.Equal(10, torch.StepCount);
        Assert.True(TorchGptTests.MaxAbsDiff(weights.Data, model.ToParameterTensors().Data) <= 1e-6);
        var state = torch.State();
        Assert.True(TorchGptTests.MaxAbsDiff(native.M, state.M) <= 1e-7);
        Assert.True(TorchGptTests.MaxAbsDiff(native.V, state.V) <= 1e-7);
    }

    [Fact]
    public void LoadState_WrongSize_Throws()
    {
        using var model = new TorchParameters(Config, CPU);
        using var torch = new TorchAdamW(model);
        var e = Assert.Throws<ArgumentException>(() => torch.LoadState(new float[3], new float[3], 1));
        Assert.Contains($"{model.Count} floats per moment, found 3 and 3", e.Message);
    }
}
