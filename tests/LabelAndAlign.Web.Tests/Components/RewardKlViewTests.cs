using System.Text.Json.Nodes;
using Bunit;
using LabelAndAlign.Engine.Evaluation;
using LabelAndAlign.Web.Components.Pages.Compare;
using LabelAndAlign.Web.Services.Evaluation;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Tests.Components;

public class RewardKlViewTests : UiTestContext
{
    internal static RunSummary Run(int id, string name, string algorithm) =>
        new(id, name, algorithm, "Completed", 4, 4, null, 1, "sentiment · prompts", null, DateTime.UtcNow, null, null, new JsonObject());

    internal static CheckpointScore Score(int step, double kl, double reward, WinRate? win = null) => new(step, 8, kl, 0.1, reward, 0.2, win);

    private static readonly RunEvaluation Dpo = new(Run(1, "dpo-run", "dpo"), "β 0.1", "sentiment oracle",
        [Score(0, 0, 0.5, new WinRate(0, 0, 8)), Score(2, 0.4, 0.8, new WinRate(4, 1, 3)), Score(4, 0.9, 1.1, new WinRate(6, 1, 1))], []);
    private static readonly RunEvaluation Ppo = new(Run(2, "ppo-run", "ppo"), "KL coef 0.05", "sentiment oracle",
        [Score(0, 0, 0.5), Score(4, 1.5, 0.9)], []);

    [Fact]
    public void RunsOnAPack_AreDrawnByOneJudge_OnePointPerStep_WithTheirStepAndStandardErrors()
    {
        var cut = Render<RewardKlView>(p => p.Add(v => v.Evaluations, [Dpo, Ppo]));
        Assert.Contains("sentiment oracle", cut.Markup);
        cut.WaitForAssertion(() => Assert.Single(DrawCalls(0)), TimeSpan.FromSeconds(10));
        var traces = Assert.Single(DrawCalls(1));
        Assert.Equal(2, traces.GetArrayLength());
        var dpo = traces[0];
        Assert.Equal("dpo-run — DPO β 0.1", dpo.GetProperty("name").GetString());
        Assert.Equal("[0,0.4,0.9]", dpo.GetProperty("x").GetRawText());
        Assert.Equal("[0.5,0.8,1.1]", dpo.GetProperty("y").GetRawText());
        Assert.Equal("[0.2,0.2,0.2]", dpo.GetProperty("error_y").GetProperty("array").GetRawText());
        Assert.Equal("[0.1,0.1,0.1]", dpo.GetProperty("error_x").GetProperty("array").GetRawText());
        Assert.StartsWith("step 4", dpo.GetProperty("text")[2].GetString());
        Assert.Equal("lines+markers", dpo.GetProperty("mode").GetString());
        Assert.NotEqual(dpo.GetProperty("line").GetProperty("color").GetString(), traces[1].GetProperty("line").GetProperty("color").GetString());
    }

    [Fact]
    public void ARunWithoutACommonJudge_IsNamedAndLeftOut()
    {
        var other = new RunEvaluation(Run(3, "labels-run", "dpo"), "β 0.1", null, [], []);
        var cut = Render<RewardKlView>(p => p.Add(v => v.Evaluations, [Dpo, other]));
        Assert.Contains("labels-run: not on a task pack", cut.Find("[data-testid=reward-kl-left-out]").TextContent);
        cut.WaitForAssertion(() => Assert.Equal(1, Assert.Single(DrawCalls(1)).GetArrayLength()), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void NoRunOnAPack_SaysWhyThereIsNoChart()
    {
        var cut = Render<RewardKlView>(p => p.Add(v => v.Evaluations, [new RunEvaluation(Run(3, "labels-run", "dpo"), "β 0.1", null, [], [])]));
        Assert.Contains("no common judge", cut.Find("[data-testid=reward-kl-empty]").TextContent);
        Assert.Empty(cut.FindAll("figure"));
    }

    [Fact]
    public void ARewardModelPicked_WithNothingScoredYet_SaysSo_AndLeavesNoRunOutByName()
    {
        var rm = new RewardModelChoice(7, 3, "rm-run", 40);
        var cut = Render<RewardKlView>(p => p.Add(v => v.Evaluations, [new RunEvaluation(Run(1, "dpo-run", "dpo"), "β 0.1", rm.Name, [], [], rm)]));
        Assert.Equal("No sample of these runs has a score by the reward model rm-run · step 40 yet: have a worker score them above.",
            cut.Find("[data-testid=reward-kl-empty]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=reward-kl-left-out]"));
        Assert.Empty(cut.FindAll("figure"));
    }

    [Fact]
    public void WinRate_PlotsEachCheckpointAfterTheStart_WithItsWilsonInterval_AndTheLabelersResults()
    {
        SignIn("v@example.com", "Viewer");
        var withHuman = Dpo with { Human = [new HumanWinRate(7, "Blind", 4, 10, new WinRate(7, 2, 1))] };
        var cut = Render<WinRateView>(p => p.Add(v => v.Evaluations, [withHuman]));
        cut.WaitForAssertion(() => Assert.Single(DrawCalls(0)), TimeSpan.FromSeconds(10));
        var traces = Assert.Single(DrawCalls(1));
        Assert.Equal(2, traces.GetArrayLength());
        var oracle = traces[0];
        Assert.Equal("[2,4]", oracle.GetProperty("x").GetRawText());
        var four = new WinRate(6, 1, 1);
        Assert.Equal(four.Rate, oracle.GetProperty("y")[1].GetDouble(), 12);
        Assert.Equal(four.Interval.High - four.Rate, oracle.GetProperty("error_y").GetProperty("array")[1].GetDouble(), 12);
        Assert.Equal(four.Rate - four.Interval.Low, oracle.GetProperty("error_y").GetProperty("arrayminus")[1].GetDouble(), 12);
        var human = traces[1];
        Assert.Equal("dpo-run · labelers of Blind", human.GetProperty("name").GetString());
        Assert.Equal("[4]", human.GetProperty("x").GetRawText());
        Assert.Equal(0.75, human.GetProperty("y")[0].GetDouble(), 12);
        // A viewer reads the results but sends nothing to review.
        Assert.Empty(cut.FindAll("[data-testid=blind-review]"));
    }
}
