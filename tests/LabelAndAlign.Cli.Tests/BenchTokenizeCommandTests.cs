using System.Text;
using System.Text.RegularExpressions;
using LabelAndAlign.Cli.Commands;

namespace LabelAndAlign.Cli.Tests;

public class BenchTokenizeCommandTests
{
    [Fact]
    public async Task Run_Gpt2OnAFile_PrintsBytesTokensAndThroughput()
    {
        string file = Path.GetTempFileName();
        try
        {
            string text = string.Concat(Enumerable.Repeat("Hello world, héllo 世界 😀\n", 200));
            File.WriteAllText(file, text, new UTF8Encoding(false));
            var (code, output) = await RunAsync(["--tokenizer", TokenizerPeer.Gpt2Directory, "--file", file, "--repeat", "1"]);
            Assert.Equal(0, code);
            var m = Regex.Match(output.Trim(), @"^bytes=(\d+) tokens=(\d+) encode_mb_per_s=(\d+\.\d\d)$");
            Assert.True(m.Success, output);
            Assert.Equal(Encoding.UTF8.GetByteCount(text), int.Parse(m.Groups[1].Value));
            var gpt2 = LabelAndAlign.Engine.Tokenization.TokenizerFiles.Load(TokenizerPeer.Gpt2Directory);
            Assert.Equal(gpt2.Encode(text).Length, int.Parse(m.Groups[2].Value));
            Assert.True(double.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Run_MissingFile_SaysWhich()
    {
        var e = await Assert.ThrowsAsync<CliUsageException>(() => RunAsync(["--tokenizer", TokenizerPeer.Gpt2Directory, "--file", "/nonexistent/corpus.txt"]));
        Assert.Contains("/nonexistent/corpus.txt", e.Message);
    }

    [Fact]
    public void Registry_MatchesBenchTokenize()
    {
        Assert.IsType<BenchTokenizeCommand>(CommandRegistry.Match(["bench", "tokenize", "--tokenizer", "d"]).Command);
    }

    private static async Task<(int Code, string Output)> RunAsync(string[] args)
    {
        var stdout = new StringWriter();
        int code = await new BenchTokenizeCommand().RunAsync(new CliArgs(args), new StringReader(""), stdout, new StringWriter(), CancellationToken.None);
        return (code, stdout.ToString());
    }
}
