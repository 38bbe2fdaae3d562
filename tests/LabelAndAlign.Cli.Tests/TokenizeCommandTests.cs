using LabelAndAlign.Cli.Commands;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Cli.Tests;

public class TokenizeCommandTests
{
    [Fact]
    public async Task Run_Gpt2_PrintsOneJsonArrayPerLine()
    {
        var (code, output) = await RunAsync(["--tokenizer", TokenizerPeer.Gpt2Directory], "Hello world\n\n<|endoftext|>\n");
        Assert.Equal(0, code);
        Assert.Equal("[15496,995]\n[]\n[27,91,437,1659,5239,91,29]\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Run_AllowSpecial_GivesSpecialIds()
    {
        var (code, output) = await RunAsync(["--tokenizer", TokenizerPeer.Gpt2Directory, "--allow-special"], "Hello<|endoftext|>\n");
        Assert.Equal(0, code);
        Assert.Equal("[15496,50256]", output.Trim());
    }

    [Fact]
    public async Task Run_TokenizerJson_MatchesTheEngine()
    {
        var dir = Directory.CreateTempSubdirectory("lna-cli-test-").FullName;
        try
        {
            var trained = BpeTrainer.Train("the cat sat on the mat; the dog sat on the log. 日本語 😀", new BpeTrainerOptions { VocabSize = 280 });
            TokenizerFiles.Save(trained, dir);
            string[] lines = ["the cat sat", "  the   dog 😀 日本", "<|user|>hi"];
            var (code, output) = await RunAsync(["--tokenizer", dir], string.Join("\r\n", lines));
            Assert.Equal(0, code);
            var expected = lines.Select(l => "[" + string.Join(",", trained.Encode(l)) + "]");
            Assert.Equal(expected, output.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Run_MissingTokenizerOption_Throws()
    {
        var e = await Assert.ThrowsAsync<CliUsageException>(() => RunAsync([], "x\n"));
        Assert.Contains("--tokenizer", e.Message);
    }

    [Fact]
    public async Task Run_UnknownOption_Throws()
    {
        await Assert.ThrowsAsync<CliUsageException>(() => RunAsync(["--tokenizer", TokenizerPeer.Gpt2Directory, "--allow-specials"], "x\n"));
    }

    [Fact]
    public async Task Run_FolderWithoutTokenizer_ThrowsNamingTheExpectedFiles()
    {
        var dir = Directory.CreateTempSubdirectory("lna-cli-test-").FullName;
        try
        {
            var e = await Assert.ThrowsAsync<FileNotFoundException>(() => RunAsync(["--tokenizer", dir], "x\n"));
            Assert.Contains("tokenizer.json", e.Message);
            Assert.Contains("encoder.json + vocab.bpe", e.Message);
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public void Registry_MatchesTokenizeAndTokenizerTrainApart()
    {
        Assert.IsType<TokenizeCommand>(CommandRegistry.Match(["tokenize", "--tokenizer", "d"]).Command);
        Assert.IsType<TokenizerTrainCommand>(CommandRegistry.Match(["tokenizer", "train", "--out", "d"]).Command);
    }

    private static async Task<(int Code, string Output)> RunAsync(string[] args, string stdin)
    {
        var stdout = new StringWriter();
        int code = await new TokenizeCommand().RunAsync(new CliArgs(args), new StringReader(stdin), stdout, new StringWriter(), CancellationToken.None);
        return (code, stdout.ToString());
    }
}
