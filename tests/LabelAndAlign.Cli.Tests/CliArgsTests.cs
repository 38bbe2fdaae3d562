namespace LabelAndAlign.Cli.Tests;

public class CliArgsTests
{
    [Fact]
    public void Parses_ValuesFlagsAndEqualsForm()
    {
        var a = new CliArgs(["--vocab", "2048", "--resume", "--top-p=0.95", "--prompt", "-3 apples"]);
        Assert.Equal(2048, a.Int("vocab", 1));
        Assert.True(a.Flag("resume"));
        Assert.Equal(0.95f, a.Float("top-p", 1f));
        Assert.Equal("-3 apples", a.String("prompt"));
        Assert.Equal(7, a.Int("steps", 7));
        a.RejectUnknown();
    }

    [Fact]
    public void Int_ThrowsNamingTheOption()
    {
        var a = new CliArgs(["--steps", "ten"]);
        var e = Assert.Throws<CliUsageException>(() => a.Int("steps", 1));
        Assert.Contains("--steps", e.Message);
    }

    [Fact]
    public void RejectUnknown_ThrowsOnTypo()
    {
        var a = new CliArgs(["--stpes", "3"]);
        a.Int("steps", 1);
        Assert.Throws<CliUsageException>(a.RejectUnknown);
    }

    [Fact]
    public void Required_ThrowsWhenMissing()
    {
        var e = Assert.Throws<CliUsageException>(() => new CliArgs([]).Required("model"));
        Assert.Contains("--model", e.Message);
    }

    [Fact]
    public void Registry_MatchesLongestCommandName()
    {
        var (command, rest) = CommandRegistry.Match(["version", "--x", "1"]);
        Assert.Equal("version", command?.Name);
        Assert.Equal(["--x", "1"], rest);
    }
}
