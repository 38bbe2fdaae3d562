namespace LabelAndAlign.Web.Tests;

/// <summary>
/// The web app never loads libtorch: it references no torch package, directly or through another
/// project (only lna and the worker it hosts carry the torch backend, ~500 MB of native code).
/// </summary>
public class BuildOutputTests
{
    [Fact]
    public void WebApp_Dependencies_IncludeNoTorchPackage()
    {
        string deps = Path.Combine(AppContext.BaseDirectory, "LabelAndAlign.Web.deps.json");
        Assert.True(File.Exists(deps), $"Expected the web app's dependency manifest at {deps}.");
        string text = File.ReadAllText(deps);
        Assert.Contains("LabelAndAlign.Engine", text);
        Assert.DoesNotContain("TorchSharp", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("libtorch", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("LabelAndAlign.Torch", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WebApp_Output_HoldsNoTorchLibrary()
    {
        var torch = Directory.EnumerateFiles(AppContext.BaseDirectory, "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName)
            .Where(name => name!.Contains("torch", StringComparison.OrdinalIgnoreCase))
            .ToList();
        Assert.Empty(torch);
    }
}
