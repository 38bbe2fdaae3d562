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

    [Theory]
    [InlineData("hf_gpt2")]           // "transformer." prefix, attn buffers
    [InlineData("hf_gpt2_noprefix")]  // as the Hub ships gpt2: no prefix, tied lm_head.weight
    public async Task Logits_EngineTorch_PrintsTheNativeJsonAndMatchesPyTorch(string fixture)
    {
        string dir = Path.Combine(RepoRoot.Path, "tests", "LabelAndAlign.Engine.Tests", "Fixtures", fixture);
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected_logits.json")));
        string tokens = string.Join(',', expected.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()));
        var pytorch = expected.RootElement.GetProperty("logits").Deserialize<float[][]>()!;

        var (nativeCode, native) = await Run("--model", dir, "--tokens", tokens);
        var (torchCode, torch) = await Run("--model", dir, "--tokens", tokens, "--engine", "torch", "--device", "cpu");

        Assert.Equal(0, nativeCode);
        Assert.Equal(0, torchCode);
        var nativeRows = JsonSerializer.Deserialize<float[][]>(native)!;
        var torchRows = JsonSerializer.Deserialize<float[][]>(torch)!;
        Assert.Equal(nativeRows.Length, torchRows.Length);
        Assert.Equal(pytorch.Length, torchRows.Length);
        for (int t = 0; t < torchRows.Length; t++)
            for (int v = 0; v < torchRows[t].Length; v++)
            {
                Assert.True(Math.Abs(torchRows[t][v] - nativeRows[t][v]) <= 1e-4, $"[{t}][{v}]: torch {torchRows[t][v]} native {nativeRows[t][v]}");
                Assert.True(Math.Abs(torchRows[t][v] - pytorch[t][v]) <= 1e-4, $"[{t}][{v}]: torch {torchRows[t][v]} PyTorch {pytorch[t][v]}");
            }
        // Same shape of text: one line, rows of shortest round-trip numbers.
        Assert.Equal(native.Count(c => c == ','), torch.Count(c => c == ','));
        Assert.EndsWith("]]" + Environment.NewLine, torch);
    }

    [Fact]
    public async Task Logits_UnknownEngine_Throws()
    {
        var e = await Assert.ThrowsAsync<CliUsageException>(() => Run("--model", "x", "--tokens", "1", "--engine", "cuda"));
        Assert.Contains("--engine must be native or torch, found 'cuda'", e.Message);
    }

    [Fact]
    public async Task Logits_CudaOnTheNativeEngine_Throws()
    {
        var e = await Assert.ThrowsAsync<CliUsageException>(() => Run("--model", "x", "--tokens", "1", "--device", "cuda"));
        Assert.Contains("--device cuda needs --engine torch", e.Message);
    }

    [Fact]
    public async Task Logits_EngineTorchDeviceCudaWithoutCuda_ThrowsWithTheFix()
    {
        var (dir, _) = InferenceCommandsTestData.SavedModel(vocab: 50, seed: 1);
        var e = await Assert.ThrowsAsync<LabelAndAlign.Torch.TorchUnavailableException>(() =>
            Run("--model", dir, "--tokens", "1,2", "--engine", "torch", "--device", "cuda"));
        Assert.Contains("device: cuda was asked for, but this machine has no usable CUDA device", e.Message);
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
