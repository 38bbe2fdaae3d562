using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Engine.Inference;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public class CheckpointJudgeTests
{
    private static readonly SentimentPack Pack = new();
    private static IReadOnlyList<PromptExample> Prompts => Pack.HeldOutPrompts(1, 24);

    private static ParameterTensors Sft => TrainerTestKit.Copy(TrainerTestKit.SftModel(steps: 60).Parameters);

    /// <summary>Scores a completion by its length in characters: any two different lengths decide a head-to-head.</summary>
    private sealed class LengthJudge : IJudge
    {
        public string Name => "length";

        public double[] Scores(IReadOnlyList<PromptExample> prompts, IReadOnlyList<string> completions, IReadOnlyList<int[]> promptIds, IReadOnlyList<int[]> completionIds) =>
            completions.Select(c => (double)c.Length).ToArray();

        public int Compare(PromptExample prompt, string first, string second, double firstScore, double secondScore) => firstScore.CompareTo(secondScore);
    }

    [Fact]
    public void Judge_TheStartingModelItself_HasNoKl()
    {
        var sft = Sft;
        var j = new CheckpointJudge(new PackJudge(Pack), sft, TrainerTestKit.Tokenizer, Prompts, seed: 5, maxNewTokens: 16).Judge(sft);
        Assert.Equal(0, j.Kl, 9);
        Assert.Equal(0, j.KlStdErr, 9);
        Assert.Equal(Prompts.Count, j.WinRate.Count);
    }

    [Fact]
    public void Judge_Kl_IsTheMeanSequenceLogRatioOfTheCheckpointsOwnSamples()
    {
        var sft = Sft;
        var moved = TrainerTestKit.Copy(sft);
        var rng = new Random(3);
        for (int i = 0; i < moved.Count; i++) moved.Data[i] += (float)(rng.NextDouble() - 0.5) * 0.05f;
        var tokenizer = TrainerTestKit.Tokenizer;
        var judgement = new CheckpointJudge(new PackJudge(Pack), sft, tokenizer, Prompts, seed: 5, maxNewTokens: 16).Judge(moved);

        // The same completions (same seed), scored through the engine-neutral path the run's samples use.
        var ids = Prompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToList();
        var samples = PolicySamples.Generate(moved, tokenizer, ids, 1f, 5, 16);
        using var policy = NativeGptEngine.Instance.Frozen(moved);
        using var reference = NativeGptEngine.Instance.Frozen(sft);
        var kl = SampleScorer.Kl(policy, reference, ids, samples.Select(s => s.Ids).ToList());
        var (mean, se) = CheckpointJudge.MeanAndStdErr(kl);
        Assert.True(Math.Abs(mean) > 1e-3, $"the perturbed model should drift (KL {mean})");
        Assert.Equal(mean, judgement.Kl, 4);
        Assert.Equal(se, judgement.KlStdErr, 4);
    }

    [Fact]
    public void Judge_RewardAndWinRate_AreTheJudgesScoresOfEachPrompt_AgainstTheStartsCompletion()
    {
        var sft = Sft;
        var tokenizer = TrainerTestKit.Tokenizer;
        var judge = new CheckpointJudge(new LengthJudge(), sft, tokenizer, Prompts, seed: 5, maxNewTokens: 16);
        var ids = Prompts.Select(p => ChatTemplate.EncodePrompt(tokenizer, p.Prompt)).ToList();
        var start = PolicySamples.Generate(sft, tokenizer, ids, 1f, 6, 16); // the start is sampled with seed + 1
        var own = PolicySamples.Generate(sft, tokenizer, ids, 1f, 5, 16);

        var j = judge.Judge(sft);

        var lengths = own.Select(s => (double)s.Text.Length).ToArray();
        Assert.Equal(CheckpointJudge.MeanAndStdErr(lengths), (j.Reward, j.RewardStdErr));
        var expected = WinRate.Of(own.Select((s, i) => s.Text.Length.CompareTo(start[i].Text.Length)));
        Assert.Equal(expected, j.WinRate);
        Assert.True(expected.Wins > 0 && expected.Losses > 0, "two samplings of one model should each win some prompts");
        Assert.Equal(CheckpointJudge.MeanAndStdErr(start.Select(s => (double)s.Text.Length).ToArray()), judge.StartReward);
    }

    [Fact]
    public void PackJudge_ScoresWithThePacksReward_AndComparesWithItsOracle()
    {
        var judge = new PackJudge(new ArithmeticPack());
        var prompt = new ArithmeticPack().Prompts(1, 1)[0];
        int answer = int.Parse(prompt.Fields["answer"], System.Globalization.CultureInfo.InvariantCulture);
        string right = $" {answer}", near = $" {answer + 1}", far = $" {answer + 50}";
        Assert.Equal([1.0, 0.0, 0.0], judge.Scores([prompt, prompt, prompt], [right, near, far], [[1], [1], [1]], [[2], [2], [2]]));
        // Both wrong: the oracle still prefers the nearer answer, though the reward cannot tell them apart.
        Assert.Equal(1, judge.Compare(prompt, near, far, 0, 0));
        Assert.Equal(-1, judge.Compare(prompt, far, near, 0, 0));
        Assert.Equal(0, judge.Compare(prompt, near, near, 0, 0));
        Assert.Equal("arithmetic oracle", judge.Name);
    }

    [Fact]
    public void RewardModelJudge_TheHigherScoreWins_EqualScoresTie()
    {
        var judge = new RewardModelJudge(new FunctionReward("len", (_, c) => c.Length), "rm");
        var p = new PromptExample("p");
        Assert.Equal([2.0, 0.0], judge.Scores([p, p], ["ab", ""], [[1], [1]], [[2], [2]]));
        Assert.Equal(1, judge.Compare(p, "ab", "a", 2, 1));
        Assert.Equal(-1, judge.Compare(p, "a", "ab", 1, 2));
        Assert.Equal(0, judge.Compare(p, "a", "b", 1, 1));
    }

    [Fact]
    public void MeanAndStdErr_MatchesTheTextbookFormula_AndThrowsOnNoValues()
    {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample sd √(32/7), se sd/√8.
        var (m, se) = CheckpointJudge.MeanAndStdErr([2, 4, 4, 4, 5, 5, 7, 9]);
        Assert.Equal(5, m, 12);
        Assert.Equal(Math.Sqrt(32.0 / 7 / 8), se, 12);
        Assert.Equal((3.0, 0.0), CheckpointJudge.MeanAndStdErr([3]));
        Assert.Throws<ArgumentException>(() => CheckpointJudge.MeanAndStdErr([]));
    }

    [Fact]
    public void Constructor_Throws_WithoutPrompts()
    {
        var e = Assert.Throws<ArgumentException>(() => new CheckpointJudge(new LengthJudge(), Sft, TrainerTestKit.Tokenizer, [], 1, 16));
        Assert.Contains("at least one", e.Message);
    }
}
