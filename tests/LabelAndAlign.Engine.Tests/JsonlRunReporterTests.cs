using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public sealed class JsonlRunReporterTests
{
    private static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    [Fact]
    public void Started_OnAResume_DropsLinesOfLaterSteps_AndALineCutShort()
    {
        using var dir = new TempDirectory();
        using (var first = new JsonlRunReporter(dir.Path))
        {
            first.Started(0);
            for (int step = 1; step <= 5; step++) first.Report(step, "loss", step, Time);
            first.Report(2, new CheckpointSample("p", "c"), Time);
            first.Report(4, new CheckpointSample("p", "c"), Time);
        }
        File.AppendAllText(Path.Combine(dir.Path, JsonlRunReporter.MetricsFile), "{\"step\":6,\"na"); // killed mid-line
        using (var resumed = new JsonlRunReporter(dir.Path))
        {
            resumed.Started(3);
            resumed.Report(4, "loss", 40, Time);
        }
        var metrics = File.ReadAllLines(Path.Combine(dir.Path, JsonlRunReporter.MetricsFile));
        Assert.Equal(["1", "2", "3", "40"], metrics.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("value").GetRawText()));
        var samples = File.ReadAllLines(Path.Combine(dir.Path, JsonlRunReporter.SamplesFile));
        Assert.Single(samples);
        Assert.StartsWith("{\"step\":2,", samples[0]);
    }

    [Fact]
    public void Report_BeforeStarted_Throws() =>
        Assert.Throws<InvalidOperationException>(() => new JsonlRunReporter(Path.GetTempPath()).Report(1, "loss", 1, Time));
}
