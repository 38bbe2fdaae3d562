using LabelAndAlign.Cli.Commands;

namespace LabelAndAlign.Cli.Tests;

public class AlignEvalCommandTests
{
    private static async Task<string> Run(params string[] args)
    {
        var stdout = new StringWriter();
        int code = await new AlignEvalCommand().RunAsync(new CliArgs(args), new StringReader(""), stdout, new StringWriter(), CancellationToken.None);
        Assert.Equal(0, code);
        return stdout.ToString();
    }

    [Theory]
    [InlineData("sentiment", "dpo", "0.2")]
    [InlineData("arithmetic", "grpo", "0.02")]
    [InlineData("sentiment", "ppo", "0.2")]
    public async Task AlignEval_PrintsTheContractLines_WinRateLast(string pack, string algorithm, string scale)
    {
        // --scale shrinks every stage and --steps caps the alignment (which otherwise trains until the budget): this checks
        // the plumbing, not the figures (those are the 10-minute command's job).
        string text = await Run("--pack", pack, "--algorithm", algorithm, "--scale", scale, "--minutes", "1", "--steps", "20");
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("oracle_winrate_after=", lines[^1]);
        double rate = double.Parse(lines[^1].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(rate, 0, 1);
        Assert.Contains(lines, l => l.StartsWith("kl=", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"{algorithm}_steps=20", StringComparison.Ordinal));
        Assert.Equal(pack == "arithmetic", lines.Any(l => l.StartsWith("sft_accuracy=", StringComparison.Ordinal)));
        Assert.Equal(algorithm == "ppo", lines.Any(l => l.StartsWith("rm_heldout_accuracy=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AlignEval_Dpo_IsOnline_TheOracleLabellingThePolicysOwnSamples_UnlessAskedOffline()
    {
        string online = await Run("--pack", "sentiment", "--algorithm", "dpo", "--scale", "0.1", "--minutes", "1", "--steps", "10");
        Assert.Contains("judge/ties=", online);
        Assert.DoesNotContain("pairs=", online);
        string offline = await Run("--pack", "sentiment", "--algorithm", "dpo", "--scale", "0.1", "--minutes", "1", "--steps", "10", "--offline");
        Assert.Contains("pairs=", offline);
        Assert.DoesNotContain("judge/ties=", offline);
    }

    [Fact]
    public async Task AlignEval_Throws_OnUnknownPackOrAlgorithm()
    {
        await Assert.ThrowsAsync<CliUsageException>(() => Run("--pack", "poetry", "--algorithm", "dpo"));
        await Assert.ThrowsAsync<CliUsageException>(() => Run("--pack", "sentiment", "--algorithm", "kto"));
    }
}
