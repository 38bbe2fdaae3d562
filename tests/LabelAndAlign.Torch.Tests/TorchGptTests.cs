using LabelAndAlign.Engine.Model;
using LabelAndAlign.Torch.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Tests;

public class TorchGptTests
{
    private static readonly GptConfig Config = GptConfig.Tiny with { VocabSize = 97, BlockSize = 24, Channels = 32, Layers = 2, Heads = 4 };

    [Fact]
    public void Logits_FromNativeWeights_MatchNativeGpt()
    {
        var native = new Gpt(Config, seed: 3);
        var (tokens, _) = Batch(2, 16, seed: 5);
        native.Forward(tokens, 2, 16);

        using var model = new TorchGpt(Config, CPU);
        model.Parameters.Load(native.Parameters);
        using var ids = HostTensors.Tokens(tokens, 2, 16, CPU);
        using var logits = model.forward(ids);

        Assert.Equal([2L, 16, Config.VocabSize], logits.shape);
        Assert.True(MaxAbsDiff(native.Logits, HostTensors.ToArray(logits)) <= 1e-4);
    }

    [Fact]
    public void Gradients_OfNextTokenLoss_MatchNativeGpt()
    {
        var native = new Gpt(Config, seed: 3);
        var (tokens, targets) = Batch(2, 16, seed: 7);
        float nativeLoss = native.Forward(tokens, targets, 2, 16);
        native.ZeroGrad();
        native.Backward();

        using var model = new TorchGpt(Config, CPU);
        model.Parameters.Load(native.Parameters);
        using var ids = HostTensors.Tokens(tokens, 2, 16, CPU);
        using var tgt = HostTensors.Tokens(targets, 2, 16, CPU);
        using var logits = model.forward(ids);
        using var loss = nn.functional.cross_entropy(logits.view(-1, Config.VocabSize), tgt.view(-1));
        loss.backward();

        Assert.Equal(nativeLoss, loss.item<float>(), 1e-5f);
        var grads = model.Parameters.GradientsToParameterTensors();
        Assert.True(MaxAbsDiff(native.Gradients.Data, grads.Data) <= 1e-3);
    }

    internal static (int[] Tokens, int[] Targets) Batch(int b, int t, int seed)
    {
        var rng = new Random(seed);
        var tokens = new int[b * t];
        var targets = new int[b * t];
        for (int i = 0; i < tokens.Length; i++)
        {
            tokens[i] = rng.Next(Config.VocabSize);
            targets[i] = i % 5 == 0 ? -100 : rng.Next(Config.VocabSize);
        }
        return (tokens, targets);
    }

    internal static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }
}
