using LabelAndAlign.Engine.Inference;

namespace LabelAndAlign.Engine.Tests;

public class SamplerTests
{
    private static readonly InferenceModel Model = new(InferenceTestModels.Random(InferenceTestModels.Small, seed: 21));
    private const int V = 96;

    [Fact]
    public void Greedy_EqualsArgmaxOfTheFullForward_StepByStep()
    {
        int[][] prompts = [[5, 6, 7], [1], [40, 41, 42, 43, 44, 45]];
        var result = new Sampler(Model).Generate(prompts, new SamplingOptions { Temperature = 0, MaxNewTokens = 12 });
        var scorer = new LogProbs(Model);
        for (int b = 0; b < prompts.Length; b++)
        {
            Assert.Equal(12, result.Tokens[b].Length);
            var seq = prompts[b].ToList();
            for (int j = 0; j < 12; j++)
            {
                var logits = scorer.Logits(seq.ToArray()).AsSpan((seq.Count - 1) * V, V);
                int argmax = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits);
                Assert.Equal(argmax, result.Tokens[b][j]);
                Assert.Equal(LogProbs.LogSoftmaxAt(logits, argmax), result.LogProbs[b][j], 4);
                seq.Add(argmax);
            }
        }
    }

    [Fact]
    public void SameSeed_SameOutput_OtherSeed_OtherOutput()
    {
        int[][] prompts = [[1, 2, 3], [4, 5]];
        var o = new SamplingOptions { Temperature = 1.2f, MaxNewTokens = 20, Seed = 42 };
        var a = new Sampler(Model).Generate(prompts, o);
        var b = new Sampler(Model).Generate(prompts, o);
        var c = new Sampler(Model).Generate(prompts, o with { Seed = 43 });
        Assert.Equal(a.Tokens, b.Tokens);
        Assert.Equal(a.LogProbs, b.LogProbs);
        Assert.NotEqual(a.Tokens, c.Tokens);
        // A row does not depend on the other rows of the batch.
        var alone = new Sampler(Model).Generate([prompts[0]], o);
        Assert.Equal(a.Tokens[0], alone.Tokens[0]);
    }

    [Fact]
    public void LogProbs_OfSampledTokens_EqualLogSoftmaxOfTheFullForward()
    {
        int[] prompt = [9, 8, 7];
        var r = new Sampler(Model).Generate([prompt], new SamplingOptions { Temperature = 0.7f, TopP = 0.9f, MaxNewTokens = 10, Seed = 1 });
        var scored = new LogProbs(Model).Compute([prompt], [r.Tokens[0]]);
        for (int j = 0; j < 10; j++) Assert.Equal(scored[0].PerToken[j], r.LogProbs[0][j], 4);
    }

    [Fact]
    public void Eos_StopsThatRowOnly()
    {
        int[][] prompts = [[3, 4], [10, 11, 12]];
        var greedy = new Sampler(Model).Generate(prompts, new SamplingOptions { Temperature = 0, MaxNewTokens = 8 });
        int eos = greedy.Tokens[0][2]; // row 0's third token
        var r = new Sampler(Model).Generate(prompts, new SamplingOptions { Temperature = 0, MaxNewTokens = 8, EosId = eos });
        int firstHit = Array.IndexOf(greedy.Tokens[0], eos);
        Assert.Equal(greedy.Tokens[0][..(firstHit + 1)], r.Tokens[0]);
        Assert.True(r.Stopped[0]);
        int hit1 = Array.IndexOf(greedy.Tokens[1], eos);
        Assert.Equal(hit1 < 0 ? greedy.Tokens[1] : greedy.Tokens[1][..(hit1 + 1)], r.Tokens[1]);
    }

    [Fact]
    public void Generation_StopsAtTheBlockSize()
    {
        var r = new Sampler(Model).Generate([Enumerable.Range(0, 30).ToArray()], new SamplingOptions { MaxNewTokens = 10, Seed = 3 });
        // 30 prompt tokens + 2 fed back fill 32 positions; the logits of the last one give a third token.
        Assert.Equal(3, r.Tokens[0].Length);
        Assert.False(r.Stopped[0]);
    }

    private static float[] Constructed()
    {
        // softmax weights ∝ 0.4, 0.25, 0.15, 0.1, 0.05, 0.05 on ids 7, 3, 11, 0, 5, 9; the rest ~0.
        var logits = Enumerable.Repeat(-30f, V).ToArray();
        (int id, double p)[] mass = [(7, 0.4), (3, 0.25), (11, 0.15), (0, 0.1), (5, 0.05), (9, 0.05)];
        foreach (var (id, p) in mass) logits[id] = (float)Math.Log(p);
        return logits;
    }

    [Fact]
    public void TopK_NeverSamplesOutsideTheKMostLikely()
    {
        var logits = Constructed();
        var scratch = new Sampler.SamplingScratch(V);
        var rng = new Random(1);
        var o = new SamplingOptions { TopK = 3 };
        var seen = new HashSet<int>();
        for (int i = 0; i < 4000; i++) seen.Add(Sampler.SampleToken(logits, o, rng, scratch, out _));
        Assert.Equal(new HashSet<int> { 7, 3, 11 }, seen);
    }

    [Fact]
    public void TopP_NeverSamplesOutsideTheNucleus()
    {
        var logits = Constructed();
        var scratch = new Sampler.SamplingScratch(V);
        var rng = new Random(2);
        // 0.4 + 0.25 = 0.65 < 0.7 <= 0.8: the nucleus is {7, 3, 11}.
        var o = new SamplingOptions { TopP = 0.7f };
        var counts = new Dictionary<int, int>();
        for (int i = 0; i < 8000; i++)
        {
            int t = Sampler.SampleToken(logits, o, rng, scratch, out _);
            counts[t] = counts.GetValueOrDefault(t) + 1;
        }
        Assert.Equal(new HashSet<int> { 7, 3, 11 }, counts.Keys.ToHashSet());
        Assert.InRange(counts[7] / 8000.0, 0.4 / 0.8 - 0.03, 0.4 / 0.8 + 0.03); // renormalised within the nucleus
        // With top-k 2 first, top-p 0.99 keeps both.
        var both = new HashSet<int>();
        for (int i = 0; i < 2000; i++) both.Add(Sampler.SampleToken(logits, new SamplingOptions { TopK = 2, TopP = 0.99f }, rng, scratch, out _));
        Assert.Equal(new HashSet<int> { 7, 3 }, both);
    }

    [Fact]
    public void SampleToken_ReturnsRawLogProbWhateverTheTemperature()
    {
        var logits = Constructed();
        var scratch = new Sampler.SamplingScratch(V);
        int t = Sampler.SampleToken(logits, new SamplingOptions { Temperature = 0 }, new Random(0), scratch, out float lp);
        Assert.Equal(7, t);
        Assert.Equal(Math.Log(0.4), lp, 3);
        Sampler.SampleToken(logits, new SamplingOptions { Temperature = 0.3f, TopK = 1 }, new Random(0), scratch, out float lp2);
        Assert.Equal(lp, lp2);
    }

    [Theory]
    [InlineData(-1, 1f, 0, 1f)]
    [InlineData(5, -0.5f, 0, 1f)]
    [InlineData(5, 1f, -2, 1f)]
    [InlineData(5, 1f, 0, 0f)]
    [InlineData(5, 1f, 0, 1.5f)]
    public void Generate_ThrowsOnInvalidOptions(int maxNew, float temperature, int topK, float topP)
    {
        var o = new SamplingOptions { MaxNewTokens = maxNew, Temperature = temperature, TopK = topK, TopP = topP };
        Assert.Throws<ArgumentException>(() => new Sampler(Model).Generate([[1]], o));
    }

    [Fact]
    public void Generate_ThrowsOnEmptyPrompt()
    {
        var e = Assert.Throws<ArgumentException>(() => new Sampler(Model).Generate([[1], []], new SamplingOptions()));
        Assert.Contains("Prompt 1 is empty", e.Message);
    }
}
