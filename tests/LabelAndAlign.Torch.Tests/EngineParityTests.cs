using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Tests;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Torch.Tests;

/// <summary>
/// The same run spec trained through the one recipe on the native engine and on libtorch: each algorithm's loss
/// step by step, and a run that changes engine halfway.
/// </summary>
public sealed class EngineParityTests : IDisposable
{
    private const double Tolerance = 1e-4;

    private readonly TempDirectory _dir = new();
    private readonly RunFactory _factory = new(new TrainingBackends([new NativeBackend(), new TorchBackend()]));

    public void Dispose() => _dir.Dispose();

    private const string TinyModel = """ "n_positions": 40, "n_embd": 32, "n_layer": 1, "n_head": 2, "per_device_train_batch_size": 4, "learning_rate": 0.003, "num_eval_prompts": 2 """;

    private static RunSpec Spec(string algorithm, string engine, string options) =>
        RunSpecs.Parse(algorithm, JsonNode.Parse($$"""{{{TinyModel}}, "engine": "{{engine}}", "device": "cpu", {{options}}}""")!.AsObject());

    private static List<JsonObject> SentimentSft() => new SentimentPack().SftCorpus(1, 48)
        .Select(e => new JsonObject { ["prompt"] = e.Prompt, ["completion"] = e.Completion }).ToList();

    private static List<JsonObject> Preferences() => Enumerable.Range(0, 24).Select(i => new JsonObject
    {
        ["prompt"] = $"Review {i}:", ["chosen"] = i % 2 == 0 ? " great fun." : " a joy to watch.", ["rejected"] = i % 3 == 0 ? " dull." : " a waste of time.",
    }).ToList();

    private static List<JsonObject> Prompts() => Preferences().Select(p => new JsonObject { ["prompt"] = p["prompt"]!.GetValue<string>() }).ToList();

    public static TheoryData<string, string> Algorithms => new()
    {
        { "sft", "" },
        // Centring gives the head's bias a gradient: without it the bias's is zero up to rounding, which AdamW's
        // normalisation turns into steps of the learning rate either way, moving every score (not the loss) by noise.
        { "reward", """ "center_rewards_coefficient": 0.01 """ },
        { "dpo", """ "loss_type": "sigmoid", "rpo_alpha": 0.5 """ },
        { "dpo", """ "loss_type": "ipo" """ },
        { "dpo", """ "loss_type": "hinge" """ },
        { "dpo", """ "loss_type": "robust", "label_smoothing": 0.1 """ },
        { "ppo", """ "max_completion_length": 6, "num_ppo_epochs": 2 """ },
        { "grpo", """ "num_generations": 4, "max_completion_length": 6, "beta": 0.04 """ },
    };

    private RunInputs Inputs(RunSpec spec, string output) => spec.Algorithm switch
    {
        Algorithm.Sft => Base(spec, SentimentSft(), output) with { Pack = new SentimentPack() },
        Algorithm.Reward or Algorithm.Dpo => Base(spec, Preferences(), output),
        // PPO and GRPO optimise a reward model, whose scores differ from the first rollout: they learn from it rather
        // than from rounding noise (a pack reward that is 0 for every random completion leaves only a KL of ~1e-7, and
        // that noise, which differs between the engines' kernels, is what whitening and GRPO's groups would scale up).
        _ => Base(spec, Prompts(), output) with { RewardCheckpoint = RewardModel(), TrainedTokenizerFolder = Tokenizers("reward") },
    };

    private string? _rewardModel;

    /// <summary>A few steps of a reward model on the preference rows (native), shared by this test's runs.</summary>
    private string RewardModel()
    {
        if (_rewardModel is not null) return _rewardModel;
        var spec = Spec("reward", "native", """ "max_steps": 4, "save_steps": 0, "center_rewards_coefficient": 0.01 """);
        var reporter = new RecordingReporter();
        using (var run = _factory.Prepare(Base(spec, Preferences(), "reward-model"), reporter)) run.Run(CancellationToken.None);
        return _rewardModel = reporter.Checkpoints[^1].Folder;
    }

    private string Tokenizers(string algorithm) => Path.Combine(_dir.Path, "tokenizer-" + algorithm);

    private RunInputs Base(RunSpec spec, List<JsonObject> rows, string output) => new()
    {
        Spec = spec, Rows = rows, OutputFolder = Path.Combine(_dir.Path, output), TokenizerVocabSize = 320,
        // One tokenizer for both engines' runs, trained once.
        TrainedTokenizerFolder = Tokenizers(spec.Algorithm.WireName()),
    };

    private RecordingReporter Train(RunSpec spec, string output, string? from = null)
    {
        var reporter = new RecordingReporter();
        var inputs = Inputs(spec, output) with { BaseCheckpoint = from };
        using var run = _factory.Prepare(inputs, reporter);
        Assert.Equal(spec.Engine, run.Engine);
        run.Run(CancellationToken.None);
        return reporter;
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void TenSteps_EveryMetric_MatchesTheNativeEngine(string algorithm, string options)
    {
        string steps = $""" "max_steps": 10, "save_steps": 0, {(options.Length > 0 ? options + "," : "")} "seed": 3 """;
        var native = Train(Spec(algorithm, "native", steps), "native");
        var torch = Train(Spec(algorithm, "torch", steps), "torch");

        var names = native.Sink.Metrics.Select(m => m.Name).Distinct().Order().ToList();
        Assert.Equal(names, torch.Sink.Metrics.Select(m => m.Name).Distinct().Order().ToList());
        Assert.Equal(Enumerable.Range(1, 10), torch.Points("loss").Select(p => p.Step));
        foreach (string name in names)
        {
            var a = native.Points(name);
            var b = torch.Points(name);
            Assert.Equal(a.Select(p => p.Step), b.Select(p => p.Step));
            // Relative to the metric's scale over the run (a loss that passes through 0 has no relative error there).
            double scale = Math.Max(a.Max(p => Math.Abs(p.Value)), 1e-3);
            for (int i = 0; i < a.Length; i++)
                Assert.True(Math.Abs(a[i].Value - b[i].Value) <= Tolerance * scale,
                    $"{algorithm} {name} at step {a[i].Step}: native {a[i].Value}, torch {b[i].Value}");
        }
        // The evaluation samples are the same text.
        Assert.Equal(native.Sink.Samples.Select(s => s.Sample.Completion), torch.Sink.Samples.Select(s => s.Sample.Completion));
    }

    [Theory]
    [InlineData("sft", "native", "torch", "")]
    [InlineData("sft", "torch", "native", "")]
    [InlineData("dpo", "native", "torch", """ "loss_type": "sigmoid" """)]
    [InlineData("ppo", "torch", "native", """ "max_completion_length": 6, "num_ppo_epochs": 2 """)]
    [InlineData("grpo", "native", "torch", """ "num_generations": 4, "max_completion_length": 6, "beta": 0.04, "num_iterations": 2 """)]
    public void TwentyStepsOnOneEngineThenTwentyOnTheOther_MatchFortyOnOne(string algorithm, string first, string second, string options)
    {
        string steps = $""" "max_steps": 40, "save_steps": 0, "save_total_limit": 0, {(options.Length > 0 ? options + "," : "")} "seed": 5 """;
        var whole = Train(Spec(algorithm, first, steps), "whole");

        // The same run stopped at step 20 (it saves that step), then resumed from its folder on the other engine.
        var reporter = new RecordingReporter { CancelAtStep = 20 };
        using (var run = _factory.Prepare(Inputs(Spec(algorithm, first, steps), "split"), reporter)) run.Run(reporter.Cancel.Token);
        Assert.Equal(20, reporter.Checkpoints[^1].Step);
        var resumed = new RecordingReporter();
        using (var run = _factory.Prepare(Inputs(Spec(algorithm, second, steps), "split"), resumed))
        {
            Assert.Equal(20, run.Inner.StartStep);
            Assert.Equal(Enum.Parse<EngineChoice>(second, ignoreCase: true), run.Engine);
            run.Run(CancellationToken.None);
        }

        var a = whole.Points("loss").Where(p => p.Step > 20).ToArray();
        var b = resumed.Points("loss");
        Assert.Equal(a.Select(p => p.Step), b.Select(p => p.Step));
        double scale = Math.Max(a.Max(p => Math.Abs(p.Value)), 1e-3);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i].Value - b[i].Value) <= Tolerance * scale, $"loss at step {a[i].Step}: {first} {a[i].Value}, {first}+{second} {b[i].Value}");
        var wa = Checkpoint.Load(whole.Checkpoints[^1].Folder).Parameters.Data;
        var wb = Checkpoint.Load(resumed.Checkpoints[^1].Folder).Parameters.Data;
        float weightScale = wa.Max(Math.Abs);
        Assert.True(TorchGptTests.MaxAbsDiff(wa, wb) <= Tolerance * weightScale,
            $"weights after 40 steps differ by up to {TorchGptTests.MaxAbsDiff(wa, wb)} (largest weight {weightScale})");
    }
}
