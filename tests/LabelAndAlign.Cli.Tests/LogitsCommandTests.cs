using System.Text.Json;
using LabelAndAlign.Cli.Commands;
using LabelAndAlign.Engine.Inference;

namespace LabelAndAlign.Cli.Tests;

public class LogitsCommandTests
{
    private static async Task<(int Code, string Out)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        int code = await new LogitsCommand().RunAsync(new CliArgs(args), new StringReader(""), stdout, new StringWriter(), CancellationToken.None);
        return (code, stdout.ToString());
    }

    [Fact]
    public async Task Logits_PrintsTByVocabJson_ThatRoundTripsBitExactly()
    {
        var (dir, p) = InferenceCommandsTestData.SavedModel(vocab: 50, seed: 1);
        var (code, output) = await Run("--model", dir, "--tokens", "1,2,3,49");
        Assert.Equal(0, code);
        var rows = JsonSerializer.Deserialize<float[][]>(output)!;
        Assert.Equal(4, rows.Length);
        Assert.All(rows, r => Assert.Equal(50, r.Length));
        var expected = new LogProbs(new InferenceModel(p)).Logits([1, 2, 3, 49]);
        Assert.Equal(expected, rows.SelectMany(r => r).ToArray());
    }

    [Fact]
    public async Task Logits_ThrowsOnTokenOutsideTheVocabulary()
    {
        var (dir, _) = InferenceCommandsTestData.SavedModel(vocab: 50, seed: 1);
        var e = await Assert.ThrowsAsync<CliUsageException>(() => Run("--model", dir, "--tokens", "1,50"));
        Assert.Contains("id 50 is outside the model's vocabulary [0, 50)", e.Message);
    }

    [Fact]
    public async Task Logits_ThrowsOnMalformedTokens()
    {
        var e = await Assert.ThrowsAsync<CliUsageException>(() => Run("--model", "x", "--tokens", "1,two"));
        Assert.Contains("'two'", e.Message);
    }

    [Fact]
    public async Task Logits_ThrowsWhenModelDirectoryIsMissing()
    {
        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => Run("--model", "/nonexistent/model", "--tokens", "1"));
    }
}
