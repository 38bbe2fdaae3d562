using Bunit;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Web.Components.Pages.Runs;
using LabelAndAlign.Web.Services.Datasets;

namespace LabelAndAlign.Web.Tests.Components;

public class LaunchLabelLoopTests : UiTestContext
{
    private static LaunchDraft Dpo()
    {
        var draft = new LaunchDraft();
        draft.Select(Algorithm.Dpo, []);
        return draft;
    }

    private static readonly DatasetSummary[] Datasets = [new(3, "sentiment · prompts", DatasetKind.PromptOnly, 400, true, DateTime.UtcNow, "[]")];

    [Fact]
    public void TurnedOn_TrainsOnlineWithPeopleAsTheJudge_InTheFirstProject_OnPrompts_AndNeedsNoRewardModel()
    {
        var draft = Dpo();
        Assert.Equal(0, draft.SourceId); // offline DPO takes no prompts dataset
        var cut = Render<LaunchLabelLoop>(p => p.Add(l => l.Draft, draft).Add(l => l.Projects, [(7, "Loop labels"), (9, "Other")]).Add(l => l.Datasets, Datasets));
        Assert.Empty(cut.FindAll("#label-every")); // off until asked for

        cut.Find("input[type=checkbox]").Change(true);

        Assert.Equal(("true", "people", "7"), (draft.Values["online"], draft.Values["judge"], draft.Values["label_project"]));
        Assert.True(draft.LearnsFromLabels);
        Assert.False(draft.NeedsReward);
        Assert.Equal(3, draft.SourceId);
        Assert.NotEmpty(cut.FindAll("#label-every"));
        Assert.NotEmpty(cut.FindAll("#label-pairs"));
        Assert.Equal("Loop labels", cut.Find("#label-project").GetAttribute("value"));
        var config = draft.Config();
        Assert.Equal("people", config["judge"]!.GetValue<string>());
        Assert.Equal(7, config["label_project"]!.GetValue<long>());

        cut.Find("#label-every").Change("3");
        cut.Find("#label-pairs").Change("6");
        Assert.Equal(3, draft.Config()["label_every"]!.GetValue<long>());
        Assert.Equal(6, draft.Config()["label_pairs"]!.GetValue<long>());
    }

    [Fact]
    public void TurnedOff_GoesBackToTheDatasetsPairs()
    {
        var draft = Dpo();
        var cut = Render<LaunchLabelLoop>(p => p.Add(l => l.Draft, draft).Add(l => l.Projects, [(7, "Loop labels")]));
        cut.Find("input[type=checkbox]").Change(true);
        cut.Find("input[type=checkbox]").Change(false);

        Assert.False(draft.Online);
        Assert.False(draft.LearnsFromLabels);
        Assert.Empty(cut.FindAll("#label-every"));
        Assert.False(draft.Config().ContainsKey("judge"));
        Assert.False(draft.Config().ContainsKey("label_project"));
    }

    [Fact]
    public void WithoutAnOpenProject_SaysToCreateOne()
    {
        var draft = Dpo();
        var cut = Render<LaunchLabelLoop>(p => p.Add(l => l.Draft, draft).Add(l => l.Projects, []));
        cut.Find("input[type=checkbox]").Change(true);
        Assert.Contains("No open project: create one under Projects first.", cut.Find("[data-testid=label-loop]").TextContent);
    }
}
