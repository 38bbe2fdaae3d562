using System.Text;
using Bunit;
using LabelAndAlign.Web.Components.Pages.Datasets;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Imports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace LabelAndAlign.Web.Tests.Components;

public class DatasetsGridTests : RunPagesTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public DatasetsGridTests()
    {
        Services.AddSingleton(Options.Create(new ImportOptions()));
        Services.AddScoped<DatasetService>();
        SignIn("lead@example.com", "Lead");
    }

    private void Import(string name, string jsonl)
    {
        var result = new DatasetService(Db.Factory, TimeProvider.System, Options.Create(new ImportOptions()))
            .ImportAsync(name, new MemoryStream(Encoding.UTF8.GetBytes(jsonl)), null).GetAwaiter().GetResult();
        Assert.True(result.Ok, string.Join("; ", result.Errors.Select(e => e.Message)));
    }

    private static IReadOnlyList<string> Names(IRenderedComponent<DatasetsGrid> cut) =>
        cut.FindAll("[data-dataset] strong").Select(s => s.TextContent).ToList();

    [Fact]
    public void Datasets_NewestFirst_SearchedAndFilteredByKind_InTheDatabase()
    {
        Import("helpfulness pairs", """{"prompt":"p","chosen":"a","rejected":"b"}""");
        Import("helpfulness prompts", """{"prompt":"p"}""");
        var cut = Render<DatasetsGrid>();
        cut.WaitForAssertion(() => Assert.Contains("helpfulness pairs", Names(cut)), Patience);
        Assert.True(Names(cut).Count > 2); // the built-in task packs' datasets too

        cut.Find("#datasets-search").Input("helpful");
        cut.WaitForAssertion(() => Assert.Equal(["helpfulness prompts", "helpfulness pairs"], Names(cut)), Patience);
        cut.Find("#datasets-search").Input("no such dataset");
        cut.WaitForAssertion(() => Assert.Contains("No dataset matches these filters.", cut.Find("[data-testid=no-match]").TextContent), Patience);
    }

    [Fact]
    public async Task Delete_ADatasetARunWasTrainedOn_SaysArchiveAndWhy_HidesIt_ShowArchivedRestoresIt()
    {
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        Import("used pairs", """{"prompt":"p","chosen":"a","rejected":"b"}""");
        int dataset;
        using (var ctx = Db.CreateContext()) dataset = ctx.Datasets.Single(d => d.Name == "used pairs").Id;
        int run = AddRun("dpo on it", LabelAndAlign.Web.Data.Runs.RunStatus.Completed);
        using (var ctx = Db.CreateContext())
            ctx.Runs.Where(r => r.Id == run).ExecuteUpdate(u => u.SetProperty(r => r.DatasetId, dataset));
        var cut = Render<DatasetsGrid>();
        cut.WaitForAssertion(() => Assert.Contains("used pairs", Names(cut)), Patience);

        await cut.InvokeAsync(() => cut.Find("button[aria-label='Delete or archive dataset used pairs']").Click());
        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=confirm-message]")), Patience);
        Assert.Contains("Archive dataset", dialogs.Find(".mud-dialog-title").TextContent);
        Assert.Contains("1 run was trained on this dataset", dialogs.Find("[data-testid=confirm-message]").TextContent);
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog-actions button").Single(b => b.TextContent.Trim() == "Archive dataset").Click());
        cut.WaitForAssertion(() => Assert.DoesNotContain("used pairs", Names(cut)), Patience);

        await cut.InvokeAsync(() => cut.Find(".show-archived input").Change(true));
        cut.WaitForAssertion(() => Assert.Contains("used pairs", Names(cut)), Patience);
        await cut.InvokeAsync(() => cut.Find("button[aria-label='Restore dataset used pairs']").Click());
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("button[aria-label='Delete or archive dataset used pairs']")), Patience);
        using (var ctx = Db.CreateContext()) Assert.Null(ctx.Datasets.Single(d => d.Id == dataset).ArchivedAt);
    }

    [Fact]
    public async Task Preview_ShowsTheFirstRows_AndTrainOpensTheFittingAlgorithm()
    {
        Import("pairs", """{"prompt":"What is 2+2?","chosen":"4","rejected":"5"}""");
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<DatasetsGrid>();
        cut.WaitForAssertion(() => Assert.Contains("pairs", Names(cut)), Patience);
        AngleSharp.Dom.IElement Row() => cut.FindAll("[data-dataset]").Single(d => d.QuerySelector("strong")!.TextContent == "pairs").Closest("tr")!;
        var train = Row().QuerySelectorAll("a").Single(a => a.TextContent.Contains("Train"));
        Assert.True(train.GetAttribute("href")?.EndsWith("/runs?algorithm=dpo") == true, train.OuterHtml);
        // Found and clicked in one step on the renderer: the grid may render again between the two (a slower database shows it).
        await cut.InvokeAsync(() => Row().QuerySelectorAll("button").Single(b => b.TextContent.Contains("Preview")).Click());
        dialogs.WaitForAssertion(() => Assert.Contains("What is 2+2?", dialogs.Find(".dataset-preview").TextContent), Patience);
    }
}
