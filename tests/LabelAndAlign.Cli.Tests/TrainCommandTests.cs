using System.Text.Json;
using LabelAndAlign.Cli.Commands;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Cli.Tests;

public class TrainCommandTests
{
    private static string Config(string dir, string algorithm, int steps, string extra = "")
    {
        string path = Path.Combine(dir, $"{algorithm}.yaml");
        File.WriteAllText(path, $"""
            algorithm: {algorithm}
            output_dir: out-{algorithm}
            pack: sentiment
            pack_examples: 200
            model: tiny
            n_positions: 40
            n_embd: 32
            n_layer: 1
            n_head: 2
            max_steps: {steps}
            per_device_train_batch_size: 8
            learning_rate: 0.003
            save_steps: 2
            {extra}
            """);
        return path;
    }

    private static async Task<(int Code, string Out)> Run(CancellationToken cancel, params string[] args)
    {
        var stdout = new StringWriter();
        int code = await new TrainCommand().RunAsync(new CliArgs(args), new StringReader(""), stdout, new StringWriter(), cancel);
        return (code, stdout.ToString());
    }

    [Fact]
    public async Task Train_Sft_WritesCheckpointsMetricsAndSamples()
    {
        string dir = InferenceCommandsTestData.TempDir();
        var (code, output) = await Run(CancellationToken.None, "--config", Config(dir, "sft", 4));
        Assert.Equal(0, code);
        Assert.Contains("mean_token_accuracy=", output);
        string outDir = Path.Combine(dir, "out-sft");
        Assert.True(File.Exists(Path.Combine(outDir, "checkpoint-4", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(outDir, "checkpoint-4", "tokenizer.json")));
        var metrics = File.ReadAllLines(Path.Combine(outDir, "metrics.jsonl"));
        Assert.Contains(metrics, l => l.StartsWith("{\"step\":4,\"name\":\"loss\",\"value\":", StringComparison.Ordinal));
        var samples = File.ReadAllLines(Path.Combine(outDir, "samples.jsonl"));
        Assert.NotEmpty(samples);
        using var doc = JsonDocument.Parse(samples[0]);
        Assert.True(doc.RootElement.TryGetProperty("completion", out _));
    }

    [Fact]
    public async Task Train_EngineTorch_TrainsOnLibtorch_AndTheNativeEngineContinuesItsCheckpoint()
    {
        string dir = InferenceCommandsTestData.TempDir();
        var (code, output) = await Run(CancellationToken.None, "--config", Config(dir, "sft", 2, "engine: torch"));
        Assert.Equal(0, code);
        Assert.Contains("algorithm=sft engine=torch device=cpu", output);
        string outDir = Path.Combine(dir, "out-sft");
        Assert.True(File.Exists(Path.Combine(outDir, "checkpoint-2", "model.safetensors")));

        // The same run, two more steps on the native engine from the torch checkpoint.
        var (more, text) = await Run(CancellationToken.None, "--config", Config(dir, "sft", 4, "engine: native"), "--resume");
        Assert.Equal(0, more);
        Assert.Contains("resumed from", text);
        Assert.Contains("engine=native", text);
        Assert.True(File.Exists(Path.Combine(outDir, "checkpoint-4", "model.safetensors")));
    }

    [Fact]
    public async Task Train_EngineTorchOnCuda_WithoutAGpu_IsRefusedBeforeTraining()
    {
        string dir = InferenceCommandsTestData.TempDir();
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Run(CancellationToken.None, "--config", Config(dir, "sft", 2, "engine: torch\ndevice: cuda")));
        Assert.Contains("device: cuda is not available to the torch engine here (torch on cpu)", e.Message);
        Assert.False(Directory.Exists(Path.Combine(dir, "out-sft", "checkpoint-2")));
    }

    [Fact]
    public async Task Train_CancelThenResume_ReachesTheSameLossesAsOneRun()
    {
        string dir = InferenceCommandsTestData.TempDir();
        var (code, _) = await Run(CancellationToken.None, "--config", Config(dir, "sft", 6));
        Assert.Equal(0, code);
        var whole = Losses(Path.Combine(dir, "out-sft"));

        string dir2 = InferenceCommandsTestData.TempDir();
        string cfg = Config(dir2, "sft", 6);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel(); // Ctrl+C before the first step: stops cleanly, saving step 0
        var (stopped, text) = await Run(cancel.Token, "--config", cfg);
        Assert.Equal(130, stopped);
        Assert.Contains("--resume", text);
        var (resumed, _) = await Run(CancellationToken.None, "--config", cfg, "--resume");
        Assert.Equal(0, resumed);
        Assert.Equal(whole, Losses(Path.Combine(dir2, "out-sft")));
    }

    private static double[] Losses(string outDir) => File.ReadAllLines(Path.Combine(outDir, "metrics.jsonl"))
        .Select(l => JsonDocument.Parse(l).RootElement)
        .Where(e => e.GetProperty("name").GetString() == "loss")
        .Select(e => e.GetProperty("value").GetDouble()).ToArray();

    [Theory]
    [InlineData("reward", "accuracy=")]
    [InlineData("dpo", "rewards/margins=")]
    [InlineData("grpo", "frac_reward_zero_std=")]
    [InlineData("ppo", "objective/kl=")]
    public async Task Train_EveryAlgorithm_RunsFromAPack(string algorithm, string metric)
    {
        string dir = InferenceCommandsTestData.TempDir();
        string extra = algorithm switch
        {
            "grpo" => "num_generations: 4\nmax_completion_length: 6",
            "ppo" => "num_ppo_epochs: 2\nmax_completion_length: 6",
            _ => "",
        };
        var (code, output) = await Run(CancellationToken.None, "--config", Config(dir, algorithm, 2, extra));
        Assert.Equal(0, code);
        Assert.Contains(metric, output);
    }

    [Fact]
    public async Task Train_Throws_WhenTheOutputHasCheckpointsAndNoResume()
    {
        string dir = InferenceCommandsTestData.TempDir();
        string cfg = Config(dir, "sft", 2);
        await Run(CancellationToken.None, "--config", cfg);
        await Assert.ThrowsAsync<CliUsageException>(() => Run(CancellationToken.None, "--config", cfg));
    }

    [Fact]
    public async Task Train_Throws_OnAnUnknownKeyOrAlgorithm()
    {
        string dir = InferenceCommandsTestData.TempDir();
        string typo = Path.Combine(dir, "typo.yaml");
        File.WriteAllText(typo, "algorithm: sft\noutput_dir: o\npack: sentiment\nlearnin_rate: 1\n");
        await Assert.ThrowsAsync<InvalidDataException>(() => Run(CancellationToken.None, "--config", typo));
        string bad = Path.Combine(dir, "bad.yaml");
        File.WriteAllText(bad, "algorithm: kto\noutput_dir: o\npack: sentiment\n");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Run(CancellationToken.None, "--config", bad));
        Assert.Contains("kto", e.Message);
    }

    private static List<JsonElement> Samples(string outDir) => File.ReadAllLines(Path.Combine(outDir, "samples.jsonl"))
        .Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Fact]
    public async Task Train_SftFromScratch_SamplesCarryThePacksReward_AndNoKl()
    {
        string dir = InferenceCommandsTestData.TempDir();
        var (code, _) = await Run(CancellationToken.None, "--config", Config(dir, "sft", 2));
        Assert.Equal(0, code);
        var samples = Samples(Path.Combine(dir, "out-sft"));
        Assert.NotEmpty(samples);
        foreach (var s in samples)
        {
            Assert.Equal(["step", "prompt", "completion", "time", "reward"], s.EnumerateObject().Select(p => p.Name));
            Assert.Equal(SentimentPack.Positivity(s.GetProperty("completion").GetString()!), s.GetProperty("reward").GetDouble());
        }
    }

    [Fact]
    public async Task Train_FromACheckpoint_SamplesCarryTheKlToIt()
    {
        string dir = InferenceCommandsTestData.TempDir();
        Assert.Equal(0, (await Run(CancellationToken.None, "--config", Config(dir, "sft", 2))).Code);
        string start = Path.Combine(dir, "out-sft", "checkpoint-2");
        string dir2 = InferenceCommandsTestData.TempDir();
        var (code, _) = await Run(CancellationToken.None, "--config", Config(dir2, "sft", 2, $"init_from: {start}"));
        Assert.Equal(0, code);
        var samples = Samples(Path.Combine(dir2, "out-sft"));
        Assert.NotEmpty(samples);
        Assert.All(samples, s => Assert.True(double.IsFinite(s.GetProperty("kl").GetDouble())));
        Assert.Contains(samples, s => s.GetProperty("kl").GetDouble() != 0);
    }

    [Fact]
    public async Task Train_PpoWithARewardModel_SamplesCarryThePacksReward_OnAPack_ElseTheRewardModels()
    {
        string dir = InferenceCommandsTestData.TempDir();
        Assert.Equal(0, (await Run(CancellationToken.None, "--config", Config(dir, "sft", 2))).Code);
        string start = Path.Combine(dir, "out-sft", "checkpoint-2");
        // A reward model whose head ignores the trunk: every score is 0.4375, never the pack's positivity (a whole number).
        var (cfg, lm) = Checkpoint.Load(start);
        var rm = new ParameterTensors(cfg with { ScalarHead = true });
        lm.Data.AsSpan().CopyTo(rm.Data);
        rm.HeadW.Clear();
        rm.HeadB[0] = 0.4375f;
        string rmDir = Path.Combine(dir, "rm");
        Checkpoint.Save(rmDir, rm);
        TokenizerFiles.Save(TokenizerFiles.Load(start), rmDir);

        // On the pack: its oracle judges every run's samples alike, whatever the run optimizes.
        var (code, _) = await Run(CancellationToken.None, "--config",
            Config(dir, "ppo", 2, $"init_from: {start}\nreward_model: {rmDir}\nnum_ppo_epochs: 1\nmax_completion_length: 6"));
        Assert.Equal(0, code);
        var samples = Samples(Path.Combine(dir, "out-ppo"));
        Assert.NotEmpty(samples);
        Assert.All(samples, s => Assert.Equal(SentimentPack.Positivity(s.GetProperty("completion").GetString()!), s.GetProperty("reward").GetDouble(), 5));
        Assert.All(samples, s => Assert.True(double.IsFinite(s.GetProperty("kl").GetDouble())));

        // On other data: the reward model the run optimizes.
        File.WriteAllLines(Path.Combine(dir, "prompts.jsonl"), ["{\"prompt\": \"The movie was\"}", "{\"prompt\": \"The food was\"}"]);
        File.WriteAllText(Path.Combine(dir, "ppo-file.yaml"), $"""
            algorithm: ppo
            output_dir: out-ppo-file
            dataset: prompts.jsonl
            init_from: {start}
            reward_model: {rmDir}
            max_steps: 2
            per_device_train_batch_size: 2
            num_ppo_epochs: 1
            max_completion_length: 6
            save_steps: 2
            """);
        Assert.Equal(0, (await Run(CancellationToken.None, "--config", Path.Combine(dir, "ppo-file.yaml"))).Code);
        var fileSamples = Samples(Path.Combine(dir, "out-ppo-file"));
        Assert.NotEmpty(fileSamples);
        Assert.All(fileSamples, s => Assert.Equal(0.4375, s.GetProperty("reward").GetDouble(), 5));
    }

    [Fact]
    public void Checkpoints_AreFoundByStep() => Assert.Null(Trainer.LatestCheckpoint(Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid())));
}
