using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;

namespace LabelAndAlign.Engine.Tests;

public class InferenceSessionTests
{
    [Theory]
    [InlineData(48, 4, 96)]    // head size 12: the portable attention path, tail panels
    [InlineData(128, 2, 200)]  // head size 64: the AVX-512 attention path, several full panels
    public void Forward_MatchesNaiveDoublePrecisionReference(int channels, int heads, int vocab)
    {
        var config = new GptConfig { VocabSize = vocab, BlockSize = 24, Channels = channels, Layers = 2, Heads = heads };
        var p = InferenceTestModels.Random(config, seed: 77);
        var rng = new Random(78);
        var tokens = Enumerable.Range(0, 19).Select(_ => rng.Next(vocab)).ToArray();
        var expected = NaiveGpt.Logits(p, tokens);
        var logits = new LogProbs(new InferenceModel(p)).Logits(tokens);
        for (int t = 0; t < tokens.Length; t++)
            for (int i = 0; i < vocab; i++)
                Assert.True(Math.Abs(expected[t][i] - logits[t * vocab + i]) < 2e-4, $"t={t} i={i}: {expected[t][i]} vs {logits[t * vocab + i]}");
    }

    [Fact]
    public void Forward_GivesTheSameLogitsOnASingleThreadTeam()
    {
        var p = InferenceTestModels.Random(new GptConfig { VocabSize = 130, BlockSize = 40, Channels = 64, Layers = 2, Heads = 1 }, seed: 3);
        var model = new InferenceModel(p);
        var tokens = Enumerable.Range(0, 40).Select(i => (i * 7) % 130).ToArray();
        using var one = new ComputeTeam(1);
        using var three = new ComputeTeam(3);
        Assert.Equal(new LogProbs(model, one).Logits(tokens), new LogProbs(model, three).Logits(tokens));
    }

    [Fact]
    public void Refresh_PicksUpChangedParameters()
    {
        var p = InferenceTestModels.Random(InferenceTestModels.Small, seed: 4);
        var model = new InferenceModel(p);
        var before = new LogProbs(model).Logits([1, 2, 3]);
        p.FcB[5] += 1f;
        Assert.Equal(before, new LogProbs(model).Logits([1, 2, 3]));
        model.Refresh();
        Assert.NotEqual(before, new LogProbs(model).Logits([1, 2, 3]));
    }

    [Fact]
    public void Decode_DoesNotAllocateOnTheCallingThread()
    {
        var model = new InferenceModel(InferenceTestModels.Random(InferenceTestModels.Small, seed: 4));
        var session = new InferenceSession(model, new KvCache(model.Config, 3, 32));
        var logits = new float[3 * 96];
        int[] rows = [0, 1, 2], tokens = [5, 6, 7];
        session.Prefill([[1, 2], [3], [4, 5, 6]], logits);
        session.Decode(rows, tokens, logits); // warm-up: buffers sized, code jitted
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) session.Decode(rows, tokens, logits);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Forward_ThrowsWhenRowsAndTokensDiffer()
    {
        var model = new InferenceModel(InferenceTestModels.Random(InferenceTestModels.Small, seed: 4));
        var session = new InferenceSession(model, new KvCache(model.Config, 1, 4));
        Assert.Throws<ArgumentException>(() => session.Forward([0, 0], [1], [], []));
    }
}
