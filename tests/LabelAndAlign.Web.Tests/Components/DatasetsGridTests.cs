using System.Text;
using Bunit;
using LabelAndAlign.Web.Components.Pages.Datasets;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Imports;
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
    public async Task Preview_ShowsTheFirstRows_AndTrainOpensTheFittingAlgorithm()
    {
        Import("pairs", """{"prompt":"What is 2+2?","chosen":"4","rejected":"5"}""");
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<DatasetsGrid>();
        cut.WaitForAssertion(() => Assert.Contains("pairs", Names(cut)), Patience);
        var row = cut.FindAll("[data-dataset]").Single(d => d.QuerySelector("strong")!.TextContent == "pairs").Closest("tr")!;
        var train = row.QuerySelectorAll("a").Single(a => a.TextContent.Contains("Train"));
        Assert.True(train.GetAttribute("href")?.EndsWith("/runs?algorithm=dpo") == true, train.OuterHtml);
        await cut.InvokeAsync(() => row.QuerySelectorAll("button").Single(b => b.TextContent.Contains("Preview")).Click());
        dialogs.WaitForAssertion(() => Assert.Contains("What is 2+2?", dialogs.Find(".dataset-preview").TextContent), Patience);
    }
}
