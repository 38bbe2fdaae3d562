using LabelAndAlign.Engine.Inference;

namespace LabelAndAlign.Engine.Tests;

public class KvCacheTests
{
    private static readonly InferenceModel Model = new(InferenceTestModels.Random(InferenceTestModels.Small, seed: 11));
    private const int V = 96;

    private static float[] FullLastLogits(int[] tokens)
    {
        var all = new LogProbs(Model).Logits(tokens);
        return all[((tokens.Length - 1) * V)..];
    }

    private static void AssertClose(float[] expected, ReadOnlySpan<float> actual, float tol = 1e-4f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"[{i}] expected {expected[i]}, found {actual[i]}");
    }

    [Fact]
    public void Decode_MatchesFullRecompute_AtEveryStep()
    {
        var rng = new Random(3);
        var seq = Enumerable.Range(0, 30).Select(_ => rng.Next(V)).ToArray();
        var session = new InferenceSession(Model, new KvCache(Model.Config, 1, 32));
        var logits = new float[V];
        session.Prefill([seq[..5]], logits);
        AssertClose(FullLastLogits(seq[..5]), logits);
        for (int t = 5; t < seq.Length; t++)
        {
            session.Decode([0], [seq[t]], logits);
            AssertClose(FullLastLogits(seq[..(t + 1)]), logits);
        }
        Assert.Equal(30, session.Cache.Length(0));
    }

    [Fact]
    public void RaggedBatch_EachRowEqualsItsPromptAlone()
    {
        var rng = new Random(4);
        int[][] prompts = [Rand(rng, 3), Rand(rng, 9), Rand(rng, 1), Rand(rng, 6), Rand(rng, 5)];
        int[] next = [7, 8, 9, 10, 11];
        var session = new InferenceSession(Model, new KvCache(Model.Config, prompts.Length, 16));
        var logits = new float[prompts.Length * V];
        session.Prefill(prompts, logits);
        for (int b = 0; b < prompts.Length; b++) AssertClose(FullLastLogits(prompts[b]), logits.AsSpan(b * V, V));
        // Decode only rows 4, 1, 3 (in that order): the others are left alone.
        session.Decode([4, 1, 3], [next[4], next[1], next[3]], logits);
        int[] order = [4, 1, 3];
        for (int j = 0; j < 3; j++)
            AssertClose(FullLastLogits([.. prompts[order[j]], next[order[j]]]), logits.AsSpan(j * V, V));
        Assert.Equal(3, session.Cache.Length(0));
        Assert.Equal(10, session.Cache.Length(1));
    }

    [Fact]
    public void Forward_ThrowsWhenARowIsFull_AndLeavesLengthsUnchanged()
    {
        var session = new InferenceSession(Model, new KvCache(Model.Config, 2, 4));
        var logits = new float[2 * V];
        session.Prefill([[1, 2, 3], [4]], logits);
        var e = Assert.Throws<ArgumentException>(() => session.Decode([1, 0, 0], [5, 6, 7], logits.AsSpan(0, 2 * V).ToArray().Concat(new float[V]).ToArray()));
        Assert.Contains("Cache row 0 is full: position 4 exceeds its capacity of 4", e.Message);
        Assert.Equal(3, session.Cache.Length(0));
        Assert.Equal(1, session.Cache.Length(1));
    }

    [Fact]
    public void Forward_ThrowsOnTokenOutsideTheVocabulary()
    {
        var session = new InferenceSession(Model, new KvCache(Model.Config, 1, 4));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => session.Decode([0], [V], new float[V]));
        Assert.Contains("[0, 96)", e.Message);
    }

    [Fact]
    public void Constructor_ThrowsWhenCapacityExceedsBlockSize()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new KvCache(Model.Config, 1, 33));
        Assert.Contains("[1, 32]", e.Message);
    }

    [Fact]
    public void Clear_ResetsLengths()
    {
        var cache = new KvCache(Model.Config, 2, 8);
        var session = new InferenceSession(Model, cache);
        session.Prefill([[1, 2], [3]], new float[2 * V]);
        cache.Clear(0);
        Assert.Equal(0, cache.Length(0));
        Assert.Equal(1, cache.Length(1));
        cache.Clear();
        Assert.Equal(0, cache.Length(1));
    }

    private static int[] Rand(Random rng, int n) => Enumerable.Range(0, n).Select(_ => rng.Next(V)).ToArray();
}
