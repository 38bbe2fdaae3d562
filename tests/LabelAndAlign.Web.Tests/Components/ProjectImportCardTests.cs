using Bunit;
using LabelAndAlign.Web.Components.Pages.Projects;
using LabelAndAlign.Web.Services.Imports;
using LabelAndAlign.Web.Services.Labeling;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Tests.Components;

public class ProjectImportCardTests : UiTestContext
{
    public ProjectImportCardTests() => Services.AddSingleton(Options.Create(new ImportOptions()));

    [Fact]
    public void AGoodFile_IsImported_AndTheCardSaysNothingWrong()
    {
        string? read = null;
        int? imported = null;
        var cut = Render<ProjectImportCard>(p => p
            .Add(c => c.Import, async (stream, format) => { read = await new StreamReader(stream).ReadToEndAsync(); return new ImportResult(2, []); })
            .Add(c => c.Imported, (int n) => imported = n));
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("{}\n{}\n", "items.jsonl"));
        cut.WaitForAssertion(() => Assert.Equal(2, imported));
        Assert.Equal("{}\n{}\n", read);
        Assert.Empty(cut.FindAll("[data-testid=import-errors]"));
    }

    [Fact]
    public void ARefusedFile_ListsItsBadLinesByNumber()
    {
        var cut = Render<ProjectImportCard>(p => p
            .Add(c => c.Import, (_, _) => Task.FromResult(new ImportResult(0, [new ImportError(3, "response_b is missing."), new ImportError(9, "prompt is empty.")]))));
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("x", "bad.csv"));
        cut.WaitForAssertion(() => Assert.Contains("bad.csv was not imported (2 problems):", cut.Find("[data-testid=import-errors]").TextContent));
        Assert.Equal(["Line 3: response_b is missing.", "Line 9: prompt is empty."], cut.FindAll(".import-errors li").Select(l => l.TextContent));
    }
}
