using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public class SampleScorerTests
{
    private static readonly ParameterTensors Policy = InferenceTestModels.Random(InferenceTestModels.Small, seed: 41);
    private static readonly ParameterTensors Reference = InferenceTestModels.Random(InferenceTestModels.Small, seed: 42);

    // Token 95 plays the EOS: the last completion stopped on it and is scored with it.
    private static readonly int[][] PromptIds = [[1, 2, 3], [50], [7, 8, 9, 10, 11]];
    private static readonly int[][] CompletionIds = [[4, 5, 6, 90], [51, 52, 53, 54, 55, 56, 57], [12, 95]];
    private static readonly string[] Texts = ["a", "bb", "ccc"];
    private static readonly PromptExample[] Prompts = [new("p0"), new("p1"), new("p2")];

    private static IFrozenGpt Frozen(ParameterTensors weights) => NativeGptEngine.Instance.Frozen(weights);

    private static IReadOnlyList<CheckpointSample> Score(SampleScorer scorer, ParameterTensors policy) =>
        scorer.Score(Frozen(policy), Prompts, PromptIds, CompletionIds, Texts);

    /// <summary>
    /// Σ log p(completion | prompt) by the training forward (<see cref="Gpt.Forward(ReadOnlySpan{int}, int, int)"/> +
    /// <see cref="Gpt.TokenLogProbs"/>), the path GptTests checks against PyTorch's logits — not the inference path the scorer uses.
    /// </summary>
    private static double TrainingPathLogProb(ParameterTensors weights, int[] prompt, int[] completion)
    {
        int[] seq = [.. prompt, .. completion];
        int T = seq.Length - 1;
        var targets = new int[T];
        for (int t = 0; t < T; t++) targets[t] = t >= prompt.Length - 1 ? seq[t + 1] : -100;
        var model = new Gpt(weights);
        model.Forward(seq.AsSpan(0, T), 1, T);
        var lp = new float[T];
        model.TokenLogProbs(targets, lp);
        return lp.Sum(x => (double)x);
    }

    [Fact]
    public void Score_Kl_EqualsTheDifferenceOfSummedTokenLogProbsByTheTrainingForward()
    {
        var samples = Score(new SampleScorer(Frozen(Reference), []), Policy);
        for (int i = 0; i < PromptIds.Length; i++)
        {
            double expected = TrainingPathLogProb(Policy, PromptIds[i], CompletionIds[i]) - TrainingPathLogProb(Reference, PromptIds[i], CompletionIds[i]);
            Assert.True(Math.Abs(expected) > 0.5, $"sequence {i}: the two random models should disagree (KL {expected})");
            Assert.Equal(expected, samples[i].Kl!.Value, 3);
        }
    }

    [Fact]
    public void Score_Kl_CountsEveryCompletionTokenIncludingTheEos()
    {
        // Dropping the last (EOS) token changes the sum by exactly that token's log-ratio.
        var scorer = new SampleScorer(Frozen(Reference), []);
        var full = Score(scorer, Policy);
        var noEos = scorer.Score(Frozen(Policy), Prompts, PromptIds, CompletionIds.Select(c => c[..^1]).ToList(), Texts);
        for (int i = 0; i < PromptIds.Length; i++)
        {
            double last = TrainingPathLogProb(Policy, PromptIds[i], CompletionIds[i]) - TrainingPathLogProb(Policy, PromptIds[i], CompletionIds[i][..^1])
                - (TrainingPathLogProb(Reference, PromptIds[i], CompletionIds[i]) - TrainingPathLogProb(Reference, PromptIds[i], CompletionIds[i][..^1]));
            Assert.Equal(last, full[i].Kl!.Value - noEos[i].Kl!.Value, 3);
        }
    }

    [Fact]
    public void Score_PolicyEqualToTheReference_KlIsExactlyZero()
    {
        var copy = new ParameterTensors(Reference.Config);
        Reference.Data.AsSpan().CopyTo(copy.Data);
        foreach (var s in Score(new SampleScorer(Frozen(Reference), []), copy)) Assert.Equal(0.0, s.Kl);
        foreach (var s in Score(new SampleScorer(Frozen(Reference), []), Reference)) Assert.Equal(0.0, s.Kl);
    }

    [Fact]
    public void Score_PolicySharingTheReferencesBlock_KeepsTheReferenceAsItWasAtConstruction()
    {
        // A run from a base checkpoint trains the very block it was given as its reference.
        var shared = new ParameterTensors(Reference.Config);
        Reference.Data.AsSpan().CopyTo(shared.Data);
        var scorer = new SampleScorer(Frozen(shared), []);
        Policy.Data.AsSpan().CopyTo(shared.Data); // "training"
        var moved = Score(scorer, shared);
        var expected = Score(new SampleScorer(Frozen(Reference), []), Policy);
        for (int i = 0; i < moved.Count; i++) Assert.Equal(expected[i].Kl, moved[i].Kl);
        Assert.All(moved, s => Assert.NotEqual(0.0, s.Kl));
    }

    [Fact]
    public void Score_WithoutReferenceOrReward_LeavesBothNull_AndKeepsPromptAndCompletion()
    {
        var samples = Score(new SampleScorer(null, []), Policy);
        Assert.Equal(["p0", "p1", "p2"], samples.Select(s => s.Prompt));
        Assert.Equal(Texts, samples.Select(s => s.Completion));
        Assert.All(samples, s => Assert.Null(s.Kl));
        Assert.All(samples, s => Assert.Null(s.Reward));
    }

    [Fact]
    public void Score_WithARewardModel_IsTheModelsScoreAtTheLastToken()
    {
        var rmWeights = InferenceTestModels.Random(InferenceTestModels.Small with { ScalarHead = true }, seed: 43);
        var rm = new RewardModelFunction(Frozen(rmWeights));
        var expected = RewardTrainer.Score(new Gpt(rmWeights), CompletionIds.Select((c, i) => new TokenizedPair(PromptIds[i], c)).ToList(), padId: 0);
        var samples = Score(new SampleScorer(null, [rm]), Policy);
        Assert.Equal(expected.Select(x => (double?)x), samples.Select(s => s.Reward));
        Assert.True(expected.Distinct().Count() == expected.Length, "the scores should tell the samples apart");
    }

    [Fact]
    public void Score_SeveralRewardFunctions_AreSummedWithTheirWeights_LikeGrpo()
    {
        var one = new FunctionReward("one", (_, _) => 1);
        var length = new FunctionReward("length", (_, c) => c.Length);
        Assert.Equal([2.0, 3.0, 4.0], Score(new SampleScorer(null, [one, length]), Policy).Select(s => s.Reward!.Value));
        Assert.Equal([2.5, 3.0, 3.5], Score(new SampleScorer(null, [one, length], [2f, 0.5f]), Policy).Select(s => s.Reward!.Value));
    }

    [Fact]
    public void PackReward_PromptWithoutTheFieldsThePackReads_GivesNoReward()
    {
        var pack = new ArithmeticPack();
        var scorer = new SampleScorer(null, [SampleScorer.PackReward(pack)]);
        PromptExample[] prompts = [new("1+2=", new Dictionary<string, string> { ["answer"] = "3" }), new("1+2="), new("2+2=", new Dictionary<string, string> { ["answer"] = "4" })];
        var samples = scorer.Score(Frozen(Policy), prompts, PromptIds, CompletionIds, ["3", "3", "5"]);
        Assert.Equal([1.0, null, 0.0], samples.Select(s => s.Reward));
    }

    [Fact]
    public void Constructor_Throws_OnAScalarHeadReference()
    {
        var rm = new ParameterTensors(InferenceTestModels.Small with { ScalarHead = true });
        var e = Assert.Throws<ArgumentException>(() => new SampleScorer(Frozen(rm), []));
        Assert.Contains("no scalar head", e.Message);
    }

    [Fact]
    public void Constructor_Throws_WhenWeightsDoNotMatchTheFunctions()
    {
        var e = Assert.Throws<ArgumentException>(() => new SampleScorer(null, [new FunctionReward("one", (_, _) => 1)], [1f, 2f]));
        Assert.Contains("2 reward weights for 1 reward functions", e.Message);
    }

    [Fact]
    public void Score_Throws_WhenTheListsDoNotPairUp()
    {
        var e = Assert.Throws<ArgumentException>(() => new SampleScorer(null, []).Score(Frozen(Policy), Prompts, PromptIds, CompletionIds, ["a"]));
        Assert.Contains("3 prompts", e.Message);
    }

    [Fact]
    public void Kl_Throws_WhenTheVocabulariesDiffer()
    {
        var other = Frozen(InferenceTestModels.Random(InferenceTestModels.Small with { VocabSize = 64 }, seed: 44));
        var e = Assert.Throws<ArgumentException>(() => SampleScorer.Kl(Frozen(Policy), other, PromptIds, CompletionIds));
        Assert.Contains("96 tokens and the reference's 64", e.Message);
    }
}
