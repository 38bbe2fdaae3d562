using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Torch.Inference;
using LabelAndAlign.Torch.Model;
using static TorchSharp.torch;

namespace LabelAndAlign.Torch.Tests;

public class TorchDecoderTests
{
    private static readonly GptConfig Config = GptConfig.Tiny with { VocabSize = 97, BlockSize = 32, Channels = 32, Layers = 2, Heads = 4 };

    private static readonly int[][] Prompts = [[5, 9, 2], [11], [3, 3, 7, 1, 40, 2, 8], [60, 61]];

    [Fact]
    public void Generate_Greedy_SameTokensAndLogProbsAsNative()
    {
        var weights = new Gpt(Config, seed: 11).Parameters;
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 20 };
        var native = new Sampler(new InferenceModel(weights)).Generate(Prompts, options);

        using var model = new TorchGpt(Config, CPU);
        model.Parameters.Load(weights);
        var torch = TorchDecoder.Sampler(model).Generate(Prompts, options);

        for (int r = 0; r < Prompts.Length; r++)
        {
            Assert.Equal(native.Tokens[r], torch.Tokens[r]);
            Assert.True(TorchGptTests.MaxAbsDiff(native.LogProbs[r], torch.LogProbs[r]) <= 1e-4);
        }
    }

    [Fact]
    public void Generate_SeededSamplingWithStops_SameRowsAsNative()
    {
        var weights = new Gpt(Config, seed: 12).Parameters;
        var sampler = new Sampler(new InferenceModel(weights));
        var options = new SamplingOptions { Temperature = 0.9f, TopK = 20, TopP = 0.95f, MaxNewTokens = 28, Seed = 4 };
        // A stop id that row 0 samples as its fifth token, so that row stops early and the others run on.
        options = options with { EosId = sampler.Generate(Prompts, options).Tokens[0][4] };
        var native = sampler.Generate(Prompts, options);

        using var model = new TorchGpt(Config, CPU);
        model.Parameters.Load(weights);
        var torch = TorchDecoder.Sampler(model).Generate(Prompts, options);

        Assert.True(torch.Stopped[0]);
        Assert.Equal(native.Stopped, torch.Stopped);
        for (int r = 0; r < Prompts.Length; r++) Assert.Equal(native.Tokens[r], torch.Tokens[r]);
        // The 7-token prompt fills the 32 positions: its last sampled token is the 33rd.
        Assert.Equal(Config.BlockSize - Prompts[2].Length + 1, torch.Tokens[2].Length);
    }

    [Fact]
    public void Decode_RowFull_Throws()
    {
        using var model = new TorchGpt(Config with { BlockSize = 4 }, CPU);
        using var decoder = new TorchDecoder(model, batch: 1, capacity: 4);
        var logits = new float[Config.VocabSize];
        decoder.Prefill([[1, 2, 3, 4]], logits);
        var e = Assert.Throws<InvalidOperationException>(() => decoder.Decode([0], [5], logits));
        Assert.Contains("full (4 tokens)", e.Message);
    }
}
