using LabelAndAlign.Cli.Commands;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Cli.Tests;

public class TokenizerTrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lna-cli-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Run_WritesATokenizerJsonOfTheVocabSize()
    {
        string corpus = Path.Combine(_dir, "corpus.txt");
        await File.WriteAllTextAsync(corpus, string.Concat(Enumerable.Repeat("The cat sat on the mat. Don't panic! 42 ways, 日本語. ", 50)));
        string outDir = Path.Combine(_dir, "tok");
        var stdout = new StringWriter();

        int code = await Run(["--corpus", corpus, "--vocab-size", "280", "--out", outDir], stdout);

        Assert.Equal(0, code);
        Assert.Contains("tokenizer.json", stdout.ToString());
        var tok = TokenizerFiles.Load(outDir);
        Assert.Equal(280, tok.VocabSize);
        Assert.Equal(new[] { 275, 276, 277, 278, 279 }, new[] { SpecialTokens.EndOfText, SpecialTokens.Pad, SpecialTokens.System, SpecialTokens.User, SpecialTokens.Assistant }.Select(s => tok.SpecialTokens[s]));
        Assert.Equal("The cat sat", tok.Decode(tok.Encode("The cat sat")));
    }

    [Fact]
    public async Task Run_VocabSizeTooSmall_Throws()
    {
        var e = await Assert.ThrowsAsync<CliUsageException>(() => Run(["--corpus", "c.txt", "--vocab-size", "100", "--out", _dir], new StringWriter()));
        Assert.Contains("at least 261", e.Message);
    }

    [Fact]
    public async Task Run_MissingVocabSize_Throws()
    {
        var e = await Assert.ThrowsAsync<CliUsageException>(() => Run(["--corpus", "c.txt", "--out", _dir], new StringWriter()));
        Assert.Contains("--vocab-size", e.Message);
    }

    [Fact]
    public async Task Run_MissingCorpusFile_Throws()
    {
        await Assert.ThrowsAsync<FileNotFoundException>(() => Run(["--corpus", Path.Combine(_dir, "none.txt"), "--vocab-size", "300", "--out", _dir], new StringWriter()));
    }

    private static Task<int> Run(string[] args, StringWriter stdout) =>
        new TokenizerTrainCommand().RunAsync(new CliArgs(args), new StringReader(""), stdout, new StringWriter(), CancellationToken.None);
}
