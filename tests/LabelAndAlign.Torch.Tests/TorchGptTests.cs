using System.Text.Json;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;
using LabelAndAlign.Torch.Model;
using LabelAndAlign.Torch.Optim;
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

    [Fact]
    public void ForwardAndBackward_MatchPyTorchGolden()
    {
        var g = GptGolden.Load();
        using var model = new TorchGpt(g.Config, CPU);
        model.Parameters.Load(g.Parameters());
        using var ids = HostTensors.Tokens(g.Tokens, g.B, g.T, CPU);
        using var targets = HostTensors.Tokens(g.Targets, g.B, g.T, CPU);
        using var logits = model.forward(ids);
        Assert.True(MaxAbsDiff(HostTensors.ToArray(logits), g.Logits) <= 1e-4);
        using var loss = nn.functional.cross_entropy(logits.view(-1, g.Config.VocabSize), targets.view(-1));
        Assert.Equal(g.Loss, loss.item<float>(), 1e-4f);
        loss.backward();
        g.AssertGradients(model.Parameters.GradientsToParameterTensors().Data);
    }

    [Fact]
    public void TenAdamWSteps_MatchPyTorchLosses()
    {
        var g = GptGolden.Load();
        using var model = new TorchGpt(g.Config, CPU);
        model.Parameters.Load(g.Parameters());
        using var opt = new TorchAdamW(model.Parameters, new AdamWOptions
        {
            LearningRate = g.Lr, Beta1 = g.Beta1, Beta2 = g.Beta2, Epsilon = g.Eps, WeightDecay = g.WeightDecay,
        });
        using var ids = HostTensors.Tokens(g.Tokens, g.B, g.T, CPU);
        using var targets = HostTensors.Tokens(g.Targets, g.B, g.T, CPU);
        for (int step = 0; step < g.Steps; step++)
        {
            using var scope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(model.forward(ids).view(-1, g.Config.VocabSize), targets.view(-1));
            Assert.True(Math.Abs(loss.item<float>() - g.StepLosses[step]) <= 1e-4f, $"step {step}: loss {loss.item<float>()} vs PyTorch {g.StepLosses[step]}");
            model.Parameters.ZeroGrad();
            loss.backward();
            opt.Step();
        }
    }

    [Theory]
    [InlineData("hf_gpt2")]           // "transformer." prefix, attn.bias/masked_bias buffers
    [InlineData("hf_gpt2_noprefix")]  // Hub layout: no prefix, tied lm_head.weight present
    [InlineData("hf_gpt2_f16")]       // F16 tensors widened on load
    public void Logits_OfHuggingFaceCheckpoint_MatchPyTorch(string fixture)
    {
        string dir = HfFixture(fixture);
        var (config, parameters) = Checkpoint.Load(dir);
        var (tokens, expected) = ExpectedLogits(dir);
        using var model = new TorchGpt(config, CPU);
        model.Parameters.Load(parameters);
        Assert.True(MaxAbsDiff(model.Logits(tokens), expected) <= 1e-4);
    }

    [Fact]
    public void ComputeTypeBFloat16_LogitsAndGradients_FollowFloat32WithinBFloat16Precision()
    {
        // The GPU path (matrix products in bfloat16, as autocast would) is the same code: run it here on the CPU.
        var native = new Gpt(Config, seed: 3);
        var (tokens, targets) = Batch(2, 16, seed: 7);
        float[] Run(ScalarType compute, out float[] grads, out float lossValue)
        {
            using var model = new TorchGpt(Config, CPU, compute);
            model.Parameters.Load(native.Parameters);
            using var scope = NewDisposeScope();
            var logits = model.forward(HostTensors.Tokens(tokens, 2, 16, CPU));
            var loss = nn.functional.cross_entropy(logits.view(-1, Config.VocabSize), HostTensors.Tokens(targets, 2, 16, CPU).view(-1));
            loss.backward();
            lossValue = loss.item<float>();
            grads = model.Parameters.GradientsToParameterTensors().Data;
            return HostTensors.ToArray(logits);
        }
        var full = Run(ScalarType.Float32, out var fullGrads, out float fullLoss);
        var half = Run(ScalarType.BFloat16, out var halfGrads, out float halfLoss);

        Assert.True(MaxAbsDiff(full, half) > 0, "bfloat16 matrix products should round differently from float32");
        Assert.True(MaxAbsDiff(full, half) <= 2e-2 * full.Max(Math.Abs));
        Assert.Equal(fullLoss, halfLoss, 1e-2f);
        Assert.True(MaxAbsDiff(fullGrads, halfGrads) <= 5e-2 * fullGrads.Max(Math.Abs));
    }

    [Fact]
    public void Load_WeightsOfAnotherShape_Throws()
    {
        using var model = new TorchGpt(Config, CPU);
        var e = Assert.Throws<ArgumentException>(() => model.Parameters.Load(new ParameterTensors(Config with { Layers = 3 })));
        Assert.Contains("Layers = 3", e.Message);
    }

    [Fact]
    public void Hidden_SequenceLongerThanBlockSize_Throws()
    {
        using var model = new TorchGpt(Config, CPU);
        using var ids = zeros([1, Config.BlockSize + 1], ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => model.Hidden(ids));
        Assert.Contains($"Sequence length {Config.BlockSize + 1} exceeds the model's block size {Config.BlockSize}", e.Message);
    }

    internal static string HfFixture(string name) => Path.Combine(RepoRoot.Path, "tests", "LabelAndAlign.Engine.Tests", "Fixtures", name);

    /// <summary>The tokens and PyTorch's (T × V) logits recorded beside a Hugging Face fixture.</summary>
    internal static (int[] Tokens, float[] Logits) ExpectedLogits(string dir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected_logits.json")));
        var tokens = doc.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var logits = doc.RootElement.GetProperty("logits").EnumerateArray().SelectMany(row => row.EnumerateArray().Select(e => e.GetSingle())).ToArray();
        return (tokens, logits);
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
