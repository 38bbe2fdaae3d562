using System.Diagnostics;
using System.Text.Json;

namespace LabelAndAlign.E2E.Tests;

/// <summary><c>lna bench labeling</c> against the running app: it does the labeling it times, and prints its figures.</summary>
public sealed class BenchLabelingTests : AdminAppTest
{
    [Fact]
    public async Task BenchLabeling_LabelsThroughTheApi_AndPrintsEveryFigure()
    {
        var start = new ProcessStartInfo(BuiltExecutable.Find("LabelAndAlign.Cli", "lna"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { "bench", "labeling", "--url", App.BaseUrl, "--api-key", AdminKey, "--items", "300", "--labels", "20" })
            start.ArgumentList.Add(arg);
        using var lna = Process.Start(start)!;
        string output = await lna.StandardOutput.ReadToEndAsync();
        string errors = await lna.StandardError.ReadToEndAsync();
        await lna.WaitForExitAsync();
        Assert.True(lna.ExitCode == 0, $"exit {lna.ExitCode}: {errors}\n{output}");

        var figures = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1].Trim());
        Assert.Equal("300", figures["items"]);
        Assert.Equal("20", figures["labels"]);
        foreach (string figure in new[] { "import_items_per_s", "open_ms", "next_held_ms", "project_list_ms", "label_ms_per_item", "next_after_labels_ms", "project_list_after_labels_ms",
                     "items_page_ms", "items_last_page_ms", "items_unlabeled_ms", "items_in_progress_ms", "items_complete_ms", "items_disagreement_ms", "items_gold_ms", "items_search_ms" })
            Assert.True(double.Parse(figures[figure], System.Globalization.CultureInfo.InvariantCulture) > 0, $"{figure}={figures[figure]}");

        // It really labeled: the project's votes hold exactly those labels.
        string votes = await Api().GetStringAsync($"/api/projects/{figures["project"]}/export?format=votes");
        Assert.Equal(20, votes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.All(votes.Split('\n', StringSplitOptions.RemoveEmptyEntries), line =>
            Assert.StartsWith("bench-", JsonDocument.Parse(line).RootElement.GetProperty("labeler").GetString()));
    }
}
