using LabelAndAlign.Cli.Commands;
using LabelAndAlign.Engine.Tokenization;

namespace LabelAndAlign.Cli.Tests;

public class SampleCommandTests
{
    private static (string Model, string Tokenizer) Setup()
    {
        var tokenizer = BpeTrainer.Train("the cat sat on the mat. the dog sat on the log. " + string.Concat(Enumerable.Repeat("a cat and a dog. ", 20)),
            new BpeTrainerOptions { VocabSize = 280 });
        string tokDir = InferenceCommandsTestData.TempDir();
        TokenizerFiles.Save(tokenizer, tokDir);
        var (modelDir, _) = InferenceCommandsTestData.SavedModel(vocab: tokenizer.VocabSize, seed: 2);
        return (modelDir, tokDir);
    }

    private static async Task<string> Run(params string[] args)
    {
        var stdout = new StringWriter();
        int code = await new SampleCommand().RunAsync(new CliArgs(args), new StringReader(""), stdout, new StringWriter(), CancellationToken.None);
        Assert.Equal(0, code);
        return stdout.ToString();
    }

    [Fact]
    public async Task Sample_SameSeedSameText()
    {
        var (model, tok) = Setup();
        string a = await Run("--model", model, "--tokenizer", tok, "--prompt", "the cat", "--max-new", "12", "--seed", "7");
        string b = await Run("--model", model, "--tokenizer", tok, "--prompt", "the cat", "--max-new", "12", "--seed", "7");
        Assert.Equal(a, b);
        Assert.EndsWith("\n", a);
    }

    [Fact]
    public async Task Sample_GreedyPrintsTheDecodedArgmaxContinuation()
    {
        var (model, tok) = Setup();
        string text = await Run("--model", model, "--tokenizer", tok, "--prompt", "the dog", "--max-new", "5", "--temperature", "0");
        var tokenizer = TokenizerFiles.Load(tok);
        var (_, p) = LabelAndAlign.Engine.Checkpoints.Checkpoint.Load(model);
        var r = new LabelAndAlign.Engine.Inference.Sampler(new LabelAndAlign.Engine.Inference.InferenceModel(p))
            .Generate([tokenizer.Encode("the dog")], new LabelAndAlign.Engine.Inference.SamplingOptions { Temperature = 0, MaxNewTokens = 5, EosId = tokenizer.EosId });
        var ids = r.Stopped[0] ? r.Tokens[0][..^1] : r.Tokens[0];
        Assert.Equal(tokenizer.Decode(ids) + Environment.NewLine, text);
    }

    [Fact]
    public async Task Sample_ThrowsOnInvalidTopP()
    {
        var e = await Assert.ThrowsAsync<CliUsageException>(() => Run("--model", "m", "--tokenizer", "t", "--top-p", "1.5"));
        Assert.Contains("TopP", e.Message);
    }

    [Fact]
    public async Task Sample_ThrowsWhenTokenizerIsMissing()
    {
        var (model, _) = Setup();
        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => Run("--model", model, "--tokenizer", "/nonexistent/tok", "--prompt", "x"));
    }
}
