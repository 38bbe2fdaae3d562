using Bunit;
using LabelAndAlign.Web.Components.Pages.Projects;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests.Components;

public class GenerateItemsCardTests : UiTestContext
{
    private static readonly CandidateGenerator.CheckpointChoice[] Checkpoints = [new(11, "step 40", "sft-small"), new(12, "step 80", "sft-small")];
    private static readonly CandidateGenerator.PromptSource[] Sources = [new(3, "review openers", 2)];

    public GenerateItemsCardTests() => Render<MudBlazor.MudPopoverProvider>();

    private IRenderedComponent<GenerateItemsCard> RenderCard(
        Func<CandidateGenerator.Request, IProgress<CandidateGenerator.Progress>, CancellationToken, Task<int>> generate,
        IReadOnlyList<CandidateGenerator.CheckpointChoice>? checkpoints = null) =>
        Render<GenerateItemsCard>(p => p.Add(c => c.Checkpoints, checkpoints ?? Checkpoints).Add(c => c.PromptSources, Sources).Add(c => c.Generate, generate));

    [Fact]
    public void NoCheckpoints_SaysToTrainFirst()
    {
        var cut = RenderCard((_, _, _) => Task.FromResult(0), []);
        Assert.Contains("No checkpoints yet: train a run first.", cut.Markup);
    }

    [Fact]
    public void Generate_SendsTheTypedPrompts_AndSaysHowManyItemsWereAdded()
    {
        CandidateGenerator.Request? sent = null;
        var cut = RenderCard((r, _, _) => { sent = r; return Task.FromResult(3); });
        cut.Find("#g-prompts").Change("one\n\n two \nthree");
        cut.Find("#g-max").Change("16");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Equal("Generated and added 3 items.", cut.Find("[data-testid=generate-result]").TextContent.Trim()));
        Assert.Equal(["one", "two", "three"], sent!.Prompts);
        Assert.Equal((16, (int?)null), (sent.MaxNewTokens, sent.DatasetId));
    }

    [Fact]
    public void WhileGenerating_ShowsProgressAndCancel_AndACancelAddsNothing()
    {
        var started = new TaskCompletionSource();
        var cut = RenderCard(async (_, progress, cancel) =>
        {
            progress.Report(new CandidateGenerator.Progress(2, 6));
            started.SetResult();
            await Task.Delay(Timeout.Infinite, cancel);
            return 0;
        });
        cut.Find("#g-prompts").Change("one");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("2 of 6 responses", cut.Find("[data-testid=generate-progress]").TextContent));
        cut.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        cut.WaitForAssertion(() => Assert.Equal("Generation cancelled; no items were added.", cut.Find("[data-testid=generate-result]").TextContent.Trim()));
    }

    [Fact]
    public void ARefusedRequest_ShowsTheReason()
    {
        var cut = RenderCard((_, _, _) => throw new InputException("checkpointA", "Choose checkpoint A."));
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Equal("Choose checkpoint A.", cut.Find("[data-testid=generate-result]").TextContent.Trim()));
        Assert.Equal("alert", cut.Find("[data-testid=generate-result]").GetAttribute("role"));
    }
}
