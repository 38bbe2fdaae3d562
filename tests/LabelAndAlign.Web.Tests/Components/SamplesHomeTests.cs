using Bunit;
using LabelAndAlign.Web.Components.Pages.Samples;
using LabelAndAlign.Web.Data.Runs;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests.Components;

public class SamplesHomeTests : RunPagesTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static string Text(AngleSharp.Dom.IElement e) => System.Text.RegularExpressions.Regex.Replace(e.TextContent, "\\s+", " ").Trim();

    private void AddSamples(int run, int step, params (string Completion, double? Reward, double? Kl)[] samples)
    {
        using var ctx = Db.CreateContext();
        int i = 0;
        foreach (var (completion, reward, kl) in samples)
            ctx.RunSamples.Add(new RunSample { RunId = run, Step = step, Prompt = $"prompt {i++}", Completion = completion, Reward = reward, Kl = kl, Length = completion.Length, Time = 1 });
        ctx.SaveChanges();
    }

    private IRenderedComponent<SamplesHome> RenderPage(string query = "")
    {
        SignIn("stakeholder@example.com", "Viewer");
        Interactive(true);
        Services.GetRequiredService<NavigationManager>().NavigateTo("/samples" + query);
        return Render<SamplesHome>();
    }

    [Fact]
    public void NoRuns_SaysWhereSamplesComeFrom()
    {
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Contains("No samples yet", cut.Find(".empty-state").TextContent), Patience);
    }

    [Fact]
    public void ARunWithoutSamplesYet_SaysSo()
    {
        AddRun("queued", RunStatus.Queued);
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Contains("This run has no samples yet", cut.Markup), Patience);
        Assert.Single(cut.FindAll(".samples-side"));
    }

    [Fact]
    public void ARun_OpensOnItsNewestEvaluation_BesideTheModelBeforeTraining_WithMeansAndPlainWords()
    {
        int run = AddRun("dpo", RunStatus.Completed);
        AddSamples(run, 0, ("hello", 0.1, 0.0), ("", 0.3, 0.0));
        AddSamples(run, 10, ("better", 0.6, 1.5), ("best", 0.8, 2.5));
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll(".samples-side").Count), Patience);

        var left = cut.Find("[data-side='0']");
        var right = cut.Find("[data-side='1']");
        Assert.Contains("Step 10 (2 of 2 evaluations)", Text(left.QuerySelector("label[for='step-0']")!));
        Assert.Equal("0.7", left.QuerySelector("[data-testid=mean-reward] strong")!.TextContent);
        Assert.Equal("2", left.QuerySelector("[data-testid=mean-kl] strong")!.TextContent);
        Assert.Equal("Before training: the starting model", right.QuerySelector(".side-title")!.TextContent);
        Assert.Equal("0.2", right.QuerySelector("[data-testid=mean-reward] strong")!.TextContent);
        // An empty answer is said, not left blank.
        Assert.Equal("(empty)", right.QuerySelector(".sample-completion.is-empty")!.TextContent);
        // Every evaluation's means at a glance, and what the numbers mean.
        Assert.Equal(["0.2", "0.7"], cut.FindAll(".scores-table [data-mean-reward]").Select(c => c.TextContent));
        Assert.Equal(["0", "2"], cut.FindAll(".scores-table [data-mean-kl]").Select(c => c.TextContent));
        Assert.Contains("Reward is the grade", cut.Find("[data-testid=samples-guide]").TextContent);
        Assert.Contains("KL is how far the model has moved away", cut.Find("[data-testid=samples-guide]").TextContent);
    }

    [Fact]
    public void AStepFromALink_OpensThatEvaluation()
    {
        int run = AddRun("sft", RunStatus.Completed);
        AddSamples(run, 0, ("a", null, null));
        AddSamples(run, 5, ("b", null, null));
        AddSamples(run, 10, ("c", null, null));
        var cut = RenderPage($"?run={run}&step=4");
        cut.WaitForAssertion(() => Assert.Contains("Step 5 (2 of 3 evaluations)", Text(cut.Find("label[for='step-0']"))), Patience);
        Assert.Equal("—", cut.Find("[data-side='0'] [data-testid=mean-reward] strong").TextContent); // no reward model, no task pack

    }

    [Fact]
    public void ALinkToARunThatIsNot_SaysSo_AndShowsTheNewest()
    {
        AddRun("newest", RunStatus.Completed);
        var cut = RenderPage("?run=999");
        cut.WaitForAssertion(() => Assert.Contains("There is no run 999; showing the newest run instead.", cut.Find("[data-testid=link-problem]").TextContent), Patience);
    }
}
