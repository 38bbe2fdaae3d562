using Bunit;
using LabelAndAlign.Web.Components.Pages.Runs;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Tests.Components;

public class ServerFolderImportTests : RunPagesTestContext
{
    private IRenderedComponent<ServerFolderImport> RenderWith(string? folder)
    {
        Services.AddSingleton(Options.Create(new ModelUploadOptions { ServerFolder = folder }));
        Services.AddScoped(_ => Db.CreateContext()); // ModelUploads still takes a scoped context
        Services.AddScoped<ModelUploads>();
        SignIn("lead@example.com", "Lead");
        Interactive(true);
        return Render<ServerFolderImport>();
    }

    [Fact]
    public void NoServerFolder_SaysWhichSettingOffersIt()
    {
        var cut = RenderWith(null);
        Assert.Contains("Checkpoints:ServerFolder", cut.Find("[data-testid=server-folder-unset]").TextContent);
    }

    [Fact]
    public void AnEmptyServerFolder_SaysItHoldsNoModel()
    {
        var cut = RenderWith(Db.Directory);
        Assert.Contains("holds no model folder", cut.Find("[data-testid=server-folder-empty]").TextContent);
    }

    [Fact]
    public void ModelFolders_AreOfferedToImport()
    {
        string root = Path.Combine(Db.Directory, "server-models");
        foreach (string name in new[] { "gpt2-medium", "gpt2" })
        {
            Directory.CreateDirectory(Path.Combine(root, name));
            File.WriteAllText(Path.Combine(root, name, "config.json"), "{}");
        }
        Directory.CreateDirectory(Path.Combine(root, "not-a-model"));
        var cut = RenderWith(root);
        Assert.Equal("gpt2", cut.Find("#import-folder").GetAttribute("value"));
        Assert.Contains(cut.FindAll("button"), b => b.TextContent.Trim() == "Import");
    }
}
