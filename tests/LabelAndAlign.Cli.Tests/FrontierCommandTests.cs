using System.Globalization;
using System.Xml.Linq;
using LabelAndAlign.Cli.Commands;

namespace LabelAndAlign.Cli.Tests;

public class FrontierCommandTests
{
    private static async Task<string> Run(params string[] args)
    {
        var stdout = new StringWriter();
        int code = await new FrontierCommand().RunAsync(new CliArgs(args), new StringReader(""), stdout, new StringWriter(), CancellationToken.None);
        Assert.Equal(0, code);
        return stdout.ToString();
    }

    private static Dictionary<string, string> Fields(string line) =>
        line.Split(' ').Select(f => f.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);

    [Fact]
    public async Task Frontier_PrintsALinePerCheckpoint_WritesTheFigure_AndEndsWithTheComparison()
    {
        using var dir = new TempFolder();
        string figure = Path.Combine(dir.Path, "f.svg");
        // A scaled-down sweep of one setting per method: the plumbing and the contract lines, not the figures.
        string text = await Run("--pack", "sentiment", "--minutes", "0.5", "--seed", "2", "--scale", "0.1", "--betas", "0.5", "--kl-coefs", "0.05",
            "--checkpoints", "3", "--figure", figure);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var points = lines.Where(l => l.StartsWith("algorithm=", StringComparison.Ordinal)).Select(Fields).ToList();
        Assert.Contains(points, p => p["algorithm"] == "dpo" && p["setting"] == "beta:0.5");
        Assert.Contains(points, p => p["algorithm"] == "ppo" && p["setting"] == "kl_coef:0.05");
        Assert.All(points, p =>
        {
            Assert.Equal(["algorithm", "setting", "step", "kl", "reward", "winrate"], p.Keys);
            Assert.True(int.Parse(p["step"], CultureInfo.InvariantCulture) > 0);
            Assert.InRange(double.Parse(p["winrate"], CultureInfo.InvariantCulture), 0, 1);
        });
        Assert.All(points.GroupBy(p => p["setting"]), g => Assert.InRange(g.Count(), 1, 3));

        var last = Fields(lines[^1]);
        Assert.Equal(["frontier_dominates", "area_dpo", "area_ppo"], last.Keys);
        Assert.Contains(last["frontier_dominates"], new[] { "dpo", "ppo", "neither" });

        var svg = XDocument.Load(figure);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(points.Count + 1, svg.Descendants(ns + "title").Count()); // a hover title per checkpoint, and the SFT start
        Assert.Contains(lines, l => l == $"figure={figure}");
    }

    [Theory]
    [InlineData("--pack", "poetry")]
    [InlineData("--pack", "sentiment", "--betas", "0.1,-1")]
    [InlineData("--pack", "sentiment", "--minutes", "0")]
    [InlineData("--pack", "sentiment", "--checkpoints", "0")]
    public async Task Frontier_Throws_OnBadArguments_NamingThem(params string[] args)
    {
        var e = await Assert.ThrowsAsync<CliUsageException>(() => Run(args));
        Assert.Contains(args[^2].TrimStart('-') == "pack" ? "poetry" : args[^2], e.Message);
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("lna-frontier-test-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
