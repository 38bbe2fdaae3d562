using Bunit;
using LabelAndAlign.Web.Components.Pages.Compare;
using LabelAndAlign.Web.Services.Evaluation;

namespace LabelAndAlign.Web.Tests.Components;

public class JudgePickerTests : UiTestContext
{
    private static readonly RewardModelChoice Rm = new(7, 3, "rm-run", 40);

    private IRenderedComponent<JudgePicker> Picker(IReadOnlyList<RewardModelChoice> models, int? selected, ScoringProgress? progress, bool canScore = true,
        Action? score = null, Action<int?>? changed = null) =>
        Render<JudgePicker>(p => p
            .Add(c => c.RewardModels, models).Add(c => c.Selected, selected).Add(c => c.Progress, progress).Add(c => c.CanScore, canScore)
            .Add(c => c.Score, () => score?.Invoke()).Add(c => c.SelectedChanged, (int? v) => changed?.Invoke(v)));

    private static string State(IRenderedComponent<JudgePicker> cut) => cut.Find("[data-testid=judge-state]").GetAttribute("data-state")!;

    [Fact]
    public void NoRewardModel_OffersTheOracleOnly_AndSaysWhereRewardModelsComeFrom()
    {
        var cut = Picker([], null, null);
        Assert.Equal("oracle", State(cut));
        Assert.Contains("No reward model to judge by yet", cut.Markup);
        Assert.Contains("completed reward run", cut.Markup);
        Assert.Empty(cut.FindAll("[data-testid=judge-score]"));
    }

    [Fact]
    public void TheOraclePicked_WithRewardModelsOffered_SaysHowRunsAreJudged()
    {
        var cut = Picker([Rm], null, null);
        Assert.Equal("oracle", State(cut));
        Assert.Contains("pick a reward model to judge every run by it", cut.Markup);
    }

    [Fact]
    public void NotScored_CountsWhatIsMissing_AndTheButtonQueuesTheScoring()
    {
        int pressed = 0;
        var cut = Picker([Rm], 7, new ScoringProgress(24, 8, 0, 0, null), score: () => pressed++);
        Assert.Equal("notscored", State(cut));
        Assert.Contains("16 of 24 evaluation samples of these runs have no score by this reward model yet", cut.Find("[data-testid=judge-state]").TextContent);
        var button = cut.Find("[data-testid=judge-score]");
        Assert.Equal("Score with this reward model", button.TextContent.Trim());
        button.Click();
        Assert.Equal(1, pressed);
    }

    [Fact]
    public void NotScored_ForAViewer_SaysWhoCanScore_WithoutAButton()
    {
        var cut = Picker([Rm], 7, new ScoringProgress(24, 0, 0, 0, null), canScore: false);
        Assert.Empty(cut.FindAll("[data-testid=judge-score]"));
        Assert.Contains("A lead or an admin can have a worker score them.", cut.Markup);
    }

    [Fact]
    public void Scoring_ShowsTheWorkersProgress_AndNoButton()
    {
        var cut = Picker([Rm], 7, new ScoringProgress(24, 0, 24, 9, null));
        Assert.Equal("scoring", State(cut));
        Assert.Contains("Scoring on a worker: 9 of 24 samples.", cut.Find("[data-testid=judge-state]").TextContent);
        Assert.Single(cut.FindAll(".mud-progress-linear"));
        Assert.Empty(cut.FindAll("[data-testid=judge-score]"));
    }

    [Fact]
    public void Scored_SaysSo()
    {
        var cut = Picker([Rm], 7, new ScoringProgress(24, 24, 0, 0, null));
        Assert.Equal("scored", State(cut));
        Assert.Contains("All 24 evaluation samples of these runs are scored by this reward model.", cut.Markup);
        Assert.Empty(cut.FindAll("[data-testid=judge-score]"));
    }

    [Fact]
    public void Failed_ShowsTheWorkersError_AndOffersToTryAgain()
    {
        int pressed = 0;
        var cut = Picker([Rm], 7, new ScoringProgress(24, 0, 0, 0, "This checkpoint is a language model, not a reward model."), score: () => pressed++);
        Assert.Equal("failed", State(cut));
        Assert.Contains("Scoring failed: This checkpoint is a language model, not a reward model.", cut.Find("[data-testid=judge-error]").TextContent);
        var button = cut.Find("[data-testid=judge-score]");
        Assert.Equal("Try again", button.TextContent.Trim());
        button.Click();
        Assert.Equal(1, pressed);
    }

    [Fact]
    public void TheListOffersTheOracleAndEachRewardModel_AndPickingOneReportsItsCheckpoint()
    {
        int? picked = -1;
        var popovers = Render<MudBlazor.MudPopoverProvider>();
        var cut = Picker([Rm, new RewardModelChoice(9, 3, "rm-run", 80)], null, null, changed: v => picked = v);
        cut.Find("[data-testid=judge-select] .mud-input-control").MouseDown();
        var items = popovers.WaitForElements(".mud-list-item");
        Assert.Equal(["Task-pack oracle (where the runs' data has one)", "reward model rm-run · step 40", "reward model rm-run · step 80"], items.Select(i => i.TextContent.Trim()));
        items[2].Click();
        cut.WaitForAssertion(() => Assert.Equal(9, picked));
    }
}
