using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Evaluation;

namespace LabelAndAlign.Web.Tests;

public class CheckpointScoresTests
{
    private static RunSample S(int step, string prompt, double? reward, double? kl, long id = 0) =>
        new() { Id = id, RunId = 1, Step = step, Prompt = prompt, Completion = "c", Reward = reward, Kl = kl };

    [Fact]
    public void Of_GivesMeansAndStandardErrors_PerStep_AndTheWinRateAgainstStepZero()
    {
        RunSample[] samples =
        [
            S(0, "a", 0, 0), S(0, "b", 1, 0), S(0, "c", 2, 0), S(0, "d", 1, 0),
            // Step 10: a beats 0, b ties 1, c loses to 2, d beats 1.
            S(10, "a", 1, 0.5), S(10, "b", 1, 1.5), S(10, "c", 0, 1.0), S(10, "d", 2, 1.0),
        ];
        var scores = CheckpointScores.Of(samples);
        Assert.Equal([0, 10], scores.Select(s => s.Step));
        var start = scores[0];
        Assert.Equal((0.0, 1.0), (start.Kl, start.Reward));
        Assert.Equal(new WinRate(0, 0, 4), start.WinRate);
        var ten = scores[1];
        Assert.Equal(4, ten.Prompts);
        Assert.Equal(1.0, ten.Kl, 12);
        Assert.Equal(CheckpointJudge.MeanAndStdErr([0.5, 1.5, 1.0, 1.0]).StdErr, ten.KlStdErr, 12);
        Assert.Equal(1.0, ten.Reward, 12);
        Assert.Equal(CheckpointJudge.MeanAndStdErr([1.0, 1, 0, 2]).StdErr, ten.RewardStdErr, 12);
        Assert.Equal(new WinRate(2, 1, 1), ten.WinRate);
        Assert.Equal(2.5 / 4, ten.WinRate!.Value.Rate, 12);
    }

    [Fact]
    public void Of_LeavesOutUnscoredSamples_AndHasNoWinRateWithoutAStart()
    {
        var scores = CheckpointScores.Of([S(5, "a", null, 0.2), S(5, "b", 1, null), S(5, "c", 1, 0.3), S(7, "a", double.NaN, 1)]);
        var only = Assert.Single(scores);
        Assert.Equal((5, 1), (only.Step, only.Prompts));
        Assert.Null(only.WinRate);
    }

    [Fact]
    public void Of_WithARewardModelsScores_JudgesByThem_NeverByTheOracle_AndLeavesOutWhatItDidNotScore()
    {
        RunSample[] samples =
        [
            S(0, "a", 1, 0, 1), S(0, "b", 1, 0, 2),
            S(10, "a", 0, 0.5, 3), S(10, "b", 0, 1.5, 4), S(20, "a", 0, 2, 5),
        ];
        // By the oracle step 10 lost both prompts; by the reward model it wins a and ties b; step 20 is not scored yet.
        var judged = new Dictionary<long, double> { [1] = -1, [2] = 0.5, [3] = 2, [4] = 0.5 };
        var scores = CheckpointScores.Of(samples, judged);
        Assert.Equal([0, 10], scores.Select(s => s.Step));
        Assert.Equal(-0.25, scores[0].Reward, 12);
        Assert.Equal(1.25, scores[1].Reward, 12);
        Assert.Equal(1.0, scores[1].Kl, 12);
        Assert.Equal(new WinRate(1, 0, 1), scores[1].WinRate);
        Assert.Equal([1.0, 1, 0, 0, 0], samples.Select(s => s.Reward!.Value));
    }

    [Theory]
    [InlineData("dpo", """{"beta":0.1,"loss_type":"sigmoid","online":false}""", "β 0.1")]
    [InlineData("dpo", """{"beta":0.5,"loss_type":"ipo","online":true}""", "β 0.5 · ipo · online")]
    [InlineData("ppo", """{"kl_coef":0.05,"adaptive_kl":false}""", "KL coef 0.05")]
    [InlineData("ppo", """{"kl_coef":0.2,"adaptive_kl":true}""", "KL coef 0.2 · adaptive")]
    [InlineData("grpo", """{"beta":0.02}""", "β 0.02")]
    [InlineData("dpo", "{}", "β 0.1")]
    [InlineData("sft", """{"max_length":64}""", "")]
    public void KeySetting_NamesTheSettingARunIsKnownBy(string algorithm, string config, string expected) =>
        Assert.Equal(expected, CheckpointScores.KeySetting(algorithm, JsonNode.Parse(config)!.AsObject()));
}
