using System.Text.RegularExpressions;
using LabelAndAlign.Cli.Commands;

namespace LabelAndAlign.Cli.Tests;

public class BenchSampleCommandTests
{
    [Theory]
    [InlineData("native")]
    [InlineData("torch")]
    public async Task BenchSample_PrintsBothBatchLines(string engine)
    {
        var stdout = new StringWriter();
        var args = new CliArgs(["--vocab", "64", "--ctx", "32", "--d", "32", "--layers", "1", "--heads", "2", "--new", "8", "--engine", engine]);
        int code = await new BenchSampleCommand().RunAsync(args, new StringReader(""), stdout, new StringWriter(), CancellationToken.None);
        Assert.Equal(0, code);
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(new Regex(@"^batch=1 sample_new_tokens_per_s=\d+$"), lines[0]);
        Assert.Matches(new Regex(@"^batch=16 sample_new_tokens_per_s=\d+$"), lines[1]);
    }

    [Fact]
    public async Task BenchSample_ThrowsWhenContextCannotHoldPromptAndNewTokens()
    {
        var args = new CliArgs(["--ctx", "64", "--new", "60"]);
        var e = await Assert.ThrowsAsync<CliUsageException>(() =>
            new BenchSampleCommand().RunAsync(args, new StringReader(""), new StringWriter(), new StringWriter(), CancellationToken.None));
        Assert.Contains("--ctx 64", e.Message);
    }

    [Fact]
    public async Task BenchSample_ThrowsWhenHeadsDoNotDivideWidth()
    {
        var args = new CliArgs(["--d", "30", "--heads", "4"]);
        await Assert.ThrowsAsync<CliUsageException>(() =>
            new BenchSampleCommand().RunAsync(args, new StringReader(""), new StringWriter(), new StringWriter(), CancellationToken.None));
    }
}
