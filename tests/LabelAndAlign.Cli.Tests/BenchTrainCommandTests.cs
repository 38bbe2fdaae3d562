using System.Text.RegularExpressions;
using LabelAndAlign.Cli.Commands;

namespace LabelAndAlign.Cli.Tests;

public class BenchTrainCommandTests
{
    private static async Task<string[]> Run(params string[] args)
    {
        var stdout = new StringWriter();
        int code = await new BenchTrainCommand().RunAsync(new CliArgs(args), new StringReader(""), stdout, new StringWriter(), CancellationToken.None);
        Assert.Equal(0, code);
        return stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Theory]
    [InlineData("native", "split")]
    [InlineData("torch", "libtorch")]
    public async Task BenchTrain_PrintsTheSameLinesOnEitherEngine(string engine, string gemm)
    {
        var lines = await Run("--vocab", "64", "--ctx", "16", "--d", "32", "--layers", "1", "--heads", "2", "--batch", "2", "--steps", "2", "--engine", engine);
        Assert.Equal(4, lines.Length);
        Assert.Matches(new Regex($@"^params=\d+ batch=2 ctx=16 threads=\d+ gemm={gemm} cores=\d+ loss=\d+\.\d{{4}}$"), lines[0]);
        Assert.Matches(new Regex(@"^train_step_s=\d+\.\d+ cpu_s_per_step=\d+\.\d+ managed_alloc_kb_per_step=\d+\.\d$"), lines[1]);
        Assert.Matches(new Regex(@"^peak_rss_mb=\d+\.\d$"), lines[2]);
        Assert.Matches(new Regex(@"^train_tokens_per_s=\d+$"), lines[3]);
    }

    [Fact]
    public async Task BenchTrain_BothEngines_CountTheSameParameters()
    {
        string[] shape = ["--vocab", "64", "--ctx", "16", "--d", "32", "--layers", "2", "--heads", "2", "--batch", "1", "--steps", "1"];
        var native = (await Run([.. shape, "--engine", "native"]))[0];
        var torch = (await Run([.. shape, "--engine", "torch"]))[0];
        Assert.Equal(Regex.Match(native, @"params=\d+").Value, Regex.Match(torch, @"params=\d+").Value);
    }

    [Fact]
    public async Task BenchTrain_GemmWithTorch_Throws()
    {
        var e = await Assert.ThrowsAsync<CliUsageException>(() => Run("--engine", "torch", "--gemm", "openblas"));
        Assert.Contains("--gemm and --blas-threads choose the native engine's kernels", e.Message);
    }
}
