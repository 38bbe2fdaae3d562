using Bunit;
using LabelAndAlign.Web.Components.Pages.Runs;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Tests.Components;

public class ModelFileUploadTests : RunPagesTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public ModelFileUploadTests()
    {
        Services.AddSingleton(Options.Create(new ModelUploadOptions { MaxUploadBytes = 512L * 1024 * 1024 }));
        Services.AddScoped(_ => Db.CreateContext()); // ModelUploads still takes a scoped context
        Services.AddScoped<ModelUploads>();
        SignIn("lead@example.com", "Lead");
        Interactive(true);
    }

    [Fact]
    public void SaysWhatToChoose_AndTheLimit()
    {
        var cut = Render<ModelFileUpload>();
        Assert.Contains("model.safetensors", cut.Markup);
        Assert.Contains("Up to 512 MB", cut.Markup);
        Assert.Contains("No files chosen yet.", cut.Find("[data-testid=chosen-files]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=upload-progress]"));
    }

    [Fact]
    public async Task Upload_WithoutAName_OrWithoutFiles_SaysWhatIsMissing_AndSendsNothing()
    {
        var module = JSInterop.SetupModule("/js/model-upload.js");
        module.Setup<string[]>("chosen", _ => true).SetResult([]);
        var cut = Render<ModelFileUpload>();
        await cut.InvokeAsync(() => cut.FindAll("button").Single(b => b.TextContent.Trim() == "Upload").Click());
        cut.WaitForAssertion(() => Assert.Equal("Give the model a name.", cut.Find(".validation-message").TextContent), Patience);

        cut.Find("#upload-name").Change("my gpt2");
        await cut.InvokeAsync(() => cut.FindAll("button").Single(b => b.TextContent.Trim() == "Upload").Click());
        cut.WaitForAssertion(() => Assert.Contains("Choose the model's files first.", cut.Find("[data-testid=upload-errors]").TextContent), Patience);
        Assert.DoesNotContain(module.Invocations, i => i.Identifier == "upload");
    }

    [Fact]
    public async Task ARefusedUpload_ListsEachFilesProblem()
    {
        var cut = Render<ModelFileUpload>();
        await cut.InvokeAsync(() => cut.Instance.OnDone(400, """{"errors":{"model.safetensors":["model.safetensors is missing."],"config.json":["n_embd 100 is not a multiple of n_head 12."]}}"""));
        var problems = cut.FindAll("[data-testid=upload-errors] li").Select(li => li.TextContent).ToList();
        Assert.Equal(["model.safetensors: model.safetensors is missing.", "config.json: n_embd 100 is not a multiple of n_head 12."], problems);
    }

    [Fact]
    public async Task Progress_ShowsTheShareSent()
    {
        var cut = Render<ModelFileUpload>();
        await cut.InvokeAsync(() => cut.Instance.OnProgress(25 * 1024 * 1024, 100 * 1024 * 1024));
        Assert.Equal("25", cut.Find("[role=progressbar]").GetAttribute("aria-valuenow"));
        Assert.Contains("25.0 of 100.0 MB", cut.Find("[data-testid=upload-progress]").TextContent);
    }
}
