using System.Text.Json;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public class JsonlSamplesSinkTests
{
    private static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250);

    private static string[] Write(params CheckpointSample[] samples)
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "run", "samples.jsonl");
        using (var sink = new JsonlSamplesSink(path))
            foreach (var s in samples) sink.Report(4, s, Time);
        return File.ReadAllLines(path);
    }

    [Fact]
    public void Report_WithoutScores_WritesExactlyTheFourKeys()
    {
        var line = Assert.Single(Write(new CheckpointSample("two and two", "4 \"ok\"")));
        Assert.Equal("""{"step":4,"prompt":"two and two","completion":"4 \u0022ok\u0022","time":1700000000.25}""", line);
    }

    [Fact]
    public void Report_WithRewardAndKl_AppendsThemAfterTheExistingKeys()
    {
        var lines = Write(new CheckpointSample("p", "c", Reward: 0.75, Kl: -0.125), new CheckpointSample("p", "c", Kl: 3));
        Assert.Equal("""{"step":4,"prompt":"p","completion":"c","time":1700000000.25,"reward":0.75,"kl":-0.125}""", lines[0]);
        Assert.Equal("""{"step":4,"prompt":"p","completion":"c","time":1700000000.25,"kl":3}""", lines[1]);
    }

    [Fact]
    public void Report_NonFiniteScore_StaysValidJson()
    {
        using var doc = JsonDocument.Parse(Assert.Single(Write(new CheckpointSample("p", "c", Reward: double.NaN))));
        Assert.Equal("NaN", doc.RootElement.GetProperty("reward").GetString());
        Assert.False(doc.RootElement.TryGetProperty("kl", out _));
    }

    [Fact]
    public void Report_AppendsToAnExistingFile()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "samples.jsonl");
        for (int i = 0; i < 2; i++)
            using (var sink = new JsonlSamplesSink(path)) sink.Report(i, new CheckpointSample("p", "c"), Time);
        Assert.Equal(2, File.ReadAllLines(path).Length);
    }
}
