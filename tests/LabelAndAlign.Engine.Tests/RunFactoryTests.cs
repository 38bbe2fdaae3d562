using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

/// <summary>Tiny real runs through the one recipe: rows + spec + folders → a trained, checkpointed, resumable run.</summary>
public sealed class RunFactoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly RunFactory _factory = new(TrainingBackends.NativeOnly);

    public void Dispose() => _dir.Dispose();

    private const string TinyModel = """ "n_positions": 40, "n_embd": 32, "n_layer": 1, "n_head": 2, "per_device_train_batch_size": 4, "learning_rate": 0.003 """;

    private static RunSpec Spec(string algorithm, string options) => RunSpecs.Parse(algorithm, JsonNode.Parse($"{{{TinyModel}, {options}}}")!.AsObject());

    private static List<JsonObject> SentimentSft(int n = 48) => new SentimentPack().SftCorpus(1, n)
        .Select(e => new JsonObject { ["prompt"] = e.Prompt, ["completion"] = e.Completion }).ToList();

    private static List<JsonObject> ArithmeticPrompts(int n = 16) => new ArithmeticPack().Prompts(1, n).Select(p =>
    {
        var o = new JsonObject { ["prompt"] = p.Prompt };
        foreach (var (k, v) in p.Fields) o[k] = v;
        return o;
    }).ToList();

    private RunInputs Inputs(RunSpec spec, List<JsonObject> rows, string output = "out", ITaskPack? pack = null, string? baseCheckpoint = null) => new()
    {
        Spec = spec, Rows = rows, Pack = pack, BaseCheckpoint = baseCheckpoint, OutputFolder = Path.Combine(_dir.Path, output), TokenizerVocabSize = 320,
    };

    private RunOutcome Train(RunInputs inputs, RecordingReporter reporter)
    {
        using var run = _factory.Prepare(inputs, reporter);
        return run.Run(reporter.Cancel.Token);
    }

    [Fact]
    public void Sft_FromRows_ReportsEveryStepMetricsSamplesAndCompleteCheckpoints()
    {
        var reporter = new RecordingReporter();
        var outcome = Train(Inputs(Spec("sft", """ "max_steps": 4, "save_steps": 2 """), SentimentSft(), pack: new SentimentPack()), reporter);
        Assert.False(outcome.Result.Cancelled);
        Assert.Null(outcome.Alert);
        Assert.Equal([0], reporter.Starts);
        Assert.Equal([1, 2, 3, 4], reporter.Progress);
        Assert.Equal([2, 4], reporter.Checkpoints.Select(c => c.Step));
        Assert.All(reporter.Checkpoints, c => Assert.True(File.Exists(Path.Combine(c.Folder, "tokenizer.json")), c.Folder));
        Assert.Equal(2, reporter.Flushes);
        Assert.Equal([1, 2, 3, 4], reporter.Points("loss").Select(p => p.Step));
        Assert.Equal([2, 4], reporter.SampleSteps());
        Assert.Equal(4, reporter.Sink.Samples.Count(s => s.Step == 4)); // num_eval_prompts' default
        Assert.All(reporter.Sink.Samples, s => Assert.Equal(SentimentPack.Positivity(s.Sample.Completion), s.Sample.Reward));
        Assert.True(File.Exists(Path.Combine(_dir.Path, "out", TokenizerSource.FolderName, "tokenizer.json")));
    }

    [Fact]
    public void EvalSteps_SampleAndRecordEvalMetricsAtThatInterval_OncePerStep()
    {
        var reporter = new RecordingReporter();
        Train(Inputs(Spec("sft", """ "max_steps": 6, "save_steps": 0, "eval_steps": 2, "num_eval_prompts": 3 """), SentimentSft(), pack: new SentimentPack()), reporter);
        Assert.Equal([2, 4, 6], reporter.SampleSteps());
        Assert.All(new[] { 2, 4, 6 }, step => Assert.Equal(3, reporter.Sink.Samples.Count(s => s.Step == step)));
        Assert.Equal([2, 4, 6], reporter.Points("eval/reward").Select(p => p.Step));
        Assert.Equal([2, 4, 6], reporter.Points("eval/completions/mean_length").Select(p => p.Step));
        Assert.Empty(reporter.Points("eval/kl")); // a new model has no reference
        Assert.Equal([6], reporter.Checkpoints.Select(c => c.Step));
    }

    [Fact]
    public void Resume_FromTheNewestCheckpoint_ReportsItsStart_AndEndsWithTheSameMetrics()
    {
        var spec = Spec("sft", """ "max_steps": 6, "save_steps": 2 """);
        var whole = new RecordingReporter();
        Train(Inputs(spec, SentimentSft(), "whole"), whole);

        var first = new RecordingReporter { CancelAtStep = 3 };
        var stopped = Train(Inputs(spec, SentimentSft(), "split"), first);
        Assert.True(stopped.Result.Cancelled);
        Assert.Equal(3, stopped.Result.Step);
        var second = new RecordingReporter();
        using (var run = _factory.Prepare(Inputs(spec, SentimentSft(), "split"), second))
        {
            Assert.Equal(3, run.Inner.StartStep);
            Assert.EndsWith("checkpoint-3", run.Inner.ResumedFrom);
            run.Run(CancellationToken.None);
        }
        Assert.Equal([3], second.Starts);
        Assert.Equal(3, second.Checkpoints[0].Step); // the checkpoint it resumed from is reported again (idempotent)
        var expected = whole.Points("loss");
        var got = first.Points("loss").Concat(second.Points("loss")).ToArray();
        Assert.Equal(expected, got);
    }

    [Fact]
    public void Grpo_WithoutAnyReward_IsRefusedBeforeAnyWork()
    {
        var e = Assert.Throws<RunSpecException>(() => _factory.Prepare(Inputs(Spec("grpo", """ "max_steps": 2 """), ArithmeticPrompts()), new RecordingReporter()));
        var error = Assert.Single(e.Errors);
        Assert.Equal("reward_model", error.Key);
        Assert.StartsWith("GRPO needs a reward to optimize", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "out")));
        Assert.Equal("reward_model", Assert.Single(RunFactory.CheckInputs(RunSpec.Defaults(Algorithm.Sft), rewardModel: true, pack: false)).Key);
    }

    [Fact]
    public void Grpo_OnAPack_TrainsOnItsReward_AndAnAlertStopsItWithTheReason()
    {
        var reporter = new RecordingReporter();
        var outcome = Train(Inputs(Spec("grpo", """ "max_steps": 50, "num_generations": 2, "max_completion_length": 4, "stop_on_reward_below": 5 """),
            ArithmeticPrompts(), pack: new ArithmeticPack()), reporter);
        Assert.StartsWith("Stopped by alert: reward = ", outcome.Alert);
        Assert.Contains("fell below 5 at step 1", outcome.Alert);
        Assert.True(outcome.Result.Cancelled);
        Assert.Equal(1, outcome.Result.Step);
        Assert.Contains(reporter.Sink.Metrics, m => m.Name == "rewards/arithmetic/mean");
        Assert.Equal(1, reporter.Checkpoints[^1].Step); // a stopped run keeps its last step
    }

    [Fact]
    public void Prepare_RefusesAStepThatCannotFitInMemory_BeforeAllocating()
    {
        var spec = RunSpecs.Parse("sft", JsonNode.Parse("""{"model": "gpt2", "per_device_train_batch_size": 1024}""")!.AsObject());
        var e = Assert.Throws<RunSpecException>(() => _factory.Prepare(Inputs(spec, SentimentSft()), new RecordingReporter()));
        Assert.Equal("per_device_train_batch_size", Assert.Single(e.Errors).Key);
        Assert.Contains("One training step would need about", e.Message);
        Assert.Contains("Lower per_device_train_batch_size", e.Message);
    }

    [Fact]
    public void Dpo_FromABaseCheckpoint_UsesItsTokenizerAndShape_AndScoresKl()
    {
        var sft = new RecordingReporter();
        Train(Inputs(Spec("sft", """ "max_steps": 2 """), SentimentSft(), "sft"), sft);
        string baseDir = sft.Checkpoints[^1].Folder;
        var rows = Enumerable.Range(0, 12).Select(i => new JsonObject { ["prompt"] = $"Review {i}:", ["chosen"] = " great fun.", ["rejected"] = " dull." }).ToList();
        var dpo = new RecordingReporter();
        // The spec asks for the tiny preset's shape; the base's smaller one is what trains.
        Train(Inputs(RunSpecs.Parse("dpo", JsonNode.Parse("""{"max_steps": 2, "per_device_train_batch_size": 4}""")!.AsObject()), rows, "dpo", baseCheckpoint: baseDir), dpo);
        var saved = Checkpoints.Gpt2ConfigJson.Read(Path.Combine(dpo.Checkpoints[^1].Folder, "config.json"));
        Assert.Equal((40, 32), (saved.BlockSize, saved.Channels));
        Assert.Equal(TokenizerFiles.Load(baseDir).VocabSize, TokenizerFiles.Load(dpo.Checkpoints[^1].Folder).VocabSize);
        Assert.Contains(dpo.Sink.Metrics, m => m.Name == "rewards/margins");
        Assert.All(dpo.Sink.Samples, s => Assert.NotNull(s.Sample.Kl));
    }

    [Fact]
    public void OnlineDpo_OnAPacksPrompts_IsJudgedByItsOracle_SamplesItsStartAsStepZero_AndScoresWithThePacksReward()
    {
        var sft = new RecordingReporter();
        Train(Inputs(Spec("sft", """ "max_steps": 2 """), SentimentSft(), "sft"), sft);
        var prompts = new SentimentPack().Prompts(1, 16).Select(p => new JsonObject { ["prompt"] = p.Prompt }).ToList();
        var dpo = new RecordingReporter();
        Train(Inputs(Spec("dpo", """ "online": true, "max_new_tokens": 8, "max_steps": 2, "save_steps": 2, "num_eval_prompts": 3 """), prompts, "online",
            new SentimentPack(), sft.Checkpoints[^1].Folder), dpo);
        Assert.Equal([0, 2], dpo.SampleSteps());
        Assert.All(dpo.Sink.Samples.Where(s => s.Step == 0), s => Assert.Equal(0, s.Sample.Kl!.Value, 4)); // the start, before any step
        Assert.All(dpo.Sink.Samples, s => Assert.Equal(SentimentPack.Positivity(s.Sample.Completion), s.Sample.Reward));
        foreach (var name in new[] { "judge/ties", "objective/scores", "val/contain_eos_token" })
            Assert.Equal([1, 2], dpo.Points(name).Select(p => p.Step));
    }

    [Fact]
    public void OnlineDpo_WithoutAJudge_IsRefusedBeforeAnyWork_NamingWhatToChoose()
    {
        var prompts = new SentimentPack().Prompts(1, 4).Select(p => new JsonObject { ["prompt"] = p.Prompt }).ToList();
        var e = Assert.Throws<RunSpecException>(() => _factory.Prepare(Inputs(Spec("dpo", """ "online": true """), prompts), new RecordingReporter()));
        var error = Assert.Single(e.Errors);
        Assert.Equal("reward_model", error.Key);
        Assert.StartsWith("Online DPO needs a judge", error.Message);
        Assert.Empty(RunFactory.CheckInputs(Spec("dpo", """ "online": true """), rewardModel: true, pack: false));
        Assert.Equal("reward_model", Assert.Single(RunFactory.CheckInputs(Spec("dpo", """ "online": false """), rewardModel: true, pack: false)).Key);
    }
}
