using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Engine.Training.Rl;

namespace LabelAndAlign.Engine.Tests;

public sealed class RunSpecsTests
{
    private static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();

    private static IReadOnlyList<SpecError> Errors(string algorithm, string json, TrainingBackends? backends = null) =>
        Assert.Throws<RunSpecException>(() => RunSpecs.Parse(algorithm, Json(json), backends)).Errors;

    [Fact]
    public void Parse_ValidOptions_MapOntoTheEngineRecords()
    {
        var spec = RunSpecs.Parse("dpo", Json("""
            {"max_steps": 50, "learning_rate": 0.001, "per_device_train_batch_size": 4, "gradient_accumulation_steps": 2, "beta": 0.2,
             "loss_type": "ipo", "lr_scheduler_type": "constant", "model": "small", "save_steps": 10, "logging_steps": 5, "eval_steps": 7,
             "num_eval_prompts": 9, "stop_on_kl_above": 3.5, "engine": "native", "device": "cpu"}
            """));
        Assert.Equal(Algorithm.Dpo, spec.Algorithm);
        Assert.Equal(50, spec.Trainer.MaxSteps);
        Assert.Equal(0.001f, spec.Trainer.LearningRate);
        Assert.Equal(4, spec.Trainer.BatchSize);
        Assert.Equal(2, spec.Trainer.GradientAccumulationSteps);
        Assert.Equal(LrSchedulerType.Constant, spec.Trainer.LrSchedulerType);
        Assert.Equal((10, 5, 7), (spec.Trainer.SaveSteps, spec.Trainer.LoggingSteps, spec.Trainer.EvalSteps));
        var dpo = spec.OptionsAs<DpoOptions>();
        Assert.Equal(0.2, dpo.Beta);
        Assert.Equal(DpoLossType.Ipo, dpo.LossType);
        Assert.Equal("small", spec.Model);
        Assert.Equal(9, spec.NumEvalPrompts);
        Assert.Equal(3.5, spec.StopOnKlAbove);
        Assert.Equal((EngineChoice.Native, DeviceChoice.Cpu), (spec.Engine, spec.Device));
    }

    [Fact]
    public void Parse_EveryAlgorithmsOwnKeys_ReachItsRecord()
    {
        Assert.True(RunSpecs.Parse("sft", Json("""{"packing": true, "max_length": 64}""")).OptionsAs<SftOptions>() is { Packing: true, MaxLength: 64 });
        Assert.Equal(0.01, RunSpecs.Parse("reward", Json("""{"center_rewards_coefficient": 0.01}""")).OptionsAs<RewardOptions>().CenterRewardsCoefficient);
        var ppo = RunSpecs.Parse("ppo", Json("""{"kl_estimator": "k3", "cliprange": 0.1, "lam": 0.9, "missing_eos_penalty": 1}""")).OptionsAs<PpoOptions>();
        Assert.Equal((KlEstimator.K3, 0.1f, 0.9f, 1f), (ppo.KlEstimator, ppo.ClipRange, ppo.Lambda, ppo.MissingEosPenalty));
        var grpo = RunSpecs.Parse("grpo", Json("""{"num_generations": 4, "loss_type": "dr_grpo", "scale_rewards": "none", "epsilon_high": 0.28}""")).OptionsAs<GrpoOptions>();
        Assert.Equal((4, GrpoLossType.DrGrpo, RewardScaling.None, 0.28f), (grpo.NumGenerations, grpo.LossType, grpo.ScaleRewards, grpo.EpsilonHigh));
    }

    [Fact]
    public void ToJson_FillsEveryDefault_WithShortNumbers_AndParsesBackToTheSameSpec()
    {
        foreach (var algorithm in Algorithms.All)
        {
            var json = RunSpecs.ToJson(RunSpecs.Parse(algorithm, Json("""{"max_steps": 7}""")));
            Assert.Equal(RunKeys.For(algorithm).Select(k => k.Name), json.Select(kv => kv.Key));
            Assert.Equal(7, json["max_steps"]!.GetValue<int>());
            Assert.Equal("0.001", json["learning_rate"]!.ToJsonString());
            Assert.Equal(json.ToJsonString(), RunSpecs.ToJson(RunSpecs.Parse(algorithm, json)).ToJsonString());
        }
    }

    [Fact]
    public void Parse_ReportsEveryInvalidKeyAtOnce_InTheUsersWords()
    {
        var errors = Errors("sft", """{"max_steps": 0, "learning_rate": "fast", "packing": 1, "per_device_train_batch_size": 1e9, "lr_scheduler_type": "linear", "betaa": 1}""");
        Assert.Equal(["max_steps", "learning_rate", "packing", "per_device_train_batch_size", "lr_scheduler_type", "betaa"], errors.Select(e => e.Key));
        Assert.Equal("max_steps must be at least 1, found 0.", errors[0].Message);
        Assert.Equal("learning_rate must be a number from 0 to 1, found \"fast\".", errors[1].Message);
        Assert.Equal("packing must be true or false, found 1.", errors[2].Message);
        Assert.Equal("per_device_train_batch_size must be at most 1,024, found 1e9.", errors[3].Message);
        Assert.Equal("lr_scheduler_type must be one of cosine, constant, found \"linear\".", errors[4].Message);
        Assert.StartsWith("Unknown option 'betaa' for sft.", errors[5].Message);
    }

    [Theory]
    [InlineData("grpo", """{"num_generations": 100000000}""", "num_generations", "at most 256")]
    [InlineData("sft", """{"per_device_train_batch_size": 1e9}""", "per_device_train_batch_size", "at most 1,024")]
    [InlineData("sft", """{"max_steps": 1e12}""", "max_steps", "at most 10,000,000")]
    [InlineData("sft", """{"max_steps": 1.5}""", "max_steps", "whole number")]
    [InlineData("dpo", """{"beta": 0}""", "beta", "more than 0")]
    [InlineData("dpo", """{"label_smoothing": 0.5}""", "label_smoothing", "less than 0.5")]
    [InlineData("ppo", """{"cliprange": 1}""", "cliprange", "less than 1")]
    [InlineData("sft", """{"model": "huge"}""", "model", "tiny, small, gpt2")]
    [InlineData("sft", """{"stop_on_kl_above": "high"}""", "stop_on_kl_above", "must be a number")]
    [InlineData("sft", """{"seed": -1}""", "seed", "at least 0")]
    [InlineData("sft", """{"max_steps": null}""", "max_steps", "needs a value")]
    public void Parse_RefusesAValue_NamingTheKeyAndTheBound(string algorithm, string json, string key, string message)
    {
        var error = Assert.Single(Errors(algorithm, json));
        Assert.Equal(key, error.Key);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Parse_RefusesABatchProductThatWouldOverflow_OrHoldTooManyExamples()
    {
        var error = Assert.Single(Errors("sft", """{"per_device_train_batch_size": 1024, "gradient_accumulation_steps": 1024}"""));
        Assert.Equal("gradient_accumulation_steps", error.Key);
        Assert.Contains("1,048,576 examples per step", error.Message);
        Assert.Contains("at most 65,536", error.Message);
        RunSpecs.Parse("sft", Json("""{"per_device_train_batch_size": 256, "gradient_accumulation_steps": 256}"""));
    }

    [Fact]
    public void Parse_RefusesARolloutThatSamplesTooManyCompletionsAtOnce()
    {
        var grpo = Assert.Single(Errors("grpo", """{"per_device_train_batch_size": 64, "gradient_accumulation_steps": 4, "num_generations": 16}"""));
        Assert.Equal("num_generations", grpo.Key);
        Assert.Contains("= 4,096 at once", grpo.Message);
        var ppo = Assert.Single(Errors("ppo", """{"per_device_train_batch_size": 1024, "gradient_accumulation_steps": 4}"""));
        Assert.Equal("gradient_accumulation_steps", ppo.Key);
    }

    [Fact]
    public void Parse_ChecksKeysThatExcludeEachOther()
    {
        Assert.Equal("label_smoothing", Assert.Single(Errors("dpo", """{"loss_type": "ipo", "label_smoothing": 0.1}""")).Key);
        Assert.Equal("n_head", Assert.Single(Errors("sft", """{"n_embd": 64, "n_head": 5}""")).Key);
    }

    [Fact]
    public void Parse_NamesTheNewNameOfAnOldKey_AndTheAlgorithmsAKeyBelongsTo()
    {
        var errors = Errors("sft", """{"batch_size": 8, "save_every": 5, "beta": 0.1, "learnin_rate": 1}""");
        Assert.Equal("batch_size is called per_device_train_batch_size now (TRL's name).", errors[0].Message);
        Assert.Equal("save_every is called save_steps now (TRL's name).", errors[1].Message);
        Assert.Equal("beta is an option of dpo and grpo, not of sft.", errors[2].Message);
        Assert.Equal("Unknown option 'learnin_rate'; did you mean learning_rate?", errors[3].Message);
    }

    [Fact]
    public void Parse_Algorithm_IsRequiredAndNamed()
    {
        Assert.Equal("algorithm", Assert.Single(Assert.Throws<RunSpecException>(() => RunSpecs.Parse((string?)null, null)).Errors).Key);
        var e = Assert.Single(Assert.Throws<RunSpecException>(() => RunSpecs.Parse("rlhf", [])).Errors);
        Assert.Equal("algorithm", e.Key);
        Assert.Contains("sft, reward, dpo, ppo or grpo", e.Message);
    }

    [Fact]
    public void Parse_RefusesAnEngineOrDeviceThisProcessLacks()
    {
        var torch = Assert.Single(Errors("sft", """{"engine": "torch"}""", TrainingBackends.NativeOnly));
        Assert.Equal("engine", torch.Key);
        Assert.Contains("engine: torch is not available here (this process has: native)", torch.Message);
        var cuda = Assert.Single(Errors("sft", """{"engine": "torch", "device": "cuda"}""", new TrainingBackends([new NativeBackend(), new CpuTorch()])));
        Assert.Equal("device", cuda.Key);
        Assert.Contains("torch on cpu", cuda.Message);
        // Without a catalog (a stored spec read back), only the key's own choices are checked.
        Assert.Equal(EngineChoice.Torch, RunSpecs.Parse("sft", Json("""{"engine": "torch"}""")).Engine);
    }

    [Fact]
    public void Parse_RefusesCudaForTheNativeEngine_WhateverTheHostHas()
    {
        var cuda = Assert.Single(Errors("sft", """{"engine": "native", "device": "cuda"}"""));
        Assert.Equal("device", cuda.Key);
        Assert.Contains("the native engine trains on the CPU only", cuda.Message);
    }

    /// <summary>A torch backend without a GPU, as a host without CUDA registers it (never asked to train here).</summary>
    private sealed class CpuTorch : ITrainingBackend
    {
        public EngineChoice Engine => EngineChoice.Torch;
        public IReadOnlyList<DeviceChoice> Devices { get; } = [DeviceChoice.Cpu];
        public IPreparedRun Prepare(TrainingJob job, CancellationToken cancel) => throw new NotSupportedException();
    }

    [Fact]
    public void WithModelOf_DescribesABaseCheckpointsShape()
    {
        var spec = RunSpec.Defaults(Algorithm.Dpo);
        Assert.True(spec.WithModelOf(Model.GptConfig.Small with { VocabSize = 700 }) is { Model: "small", NEmbd: null, NLayer: null });
        var custom = spec.WithModelOf(new Model.GptConfig { BlockSize = 40, Channels = 32, Layers = 1, Heads = 2 });
        Assert.Equal(("tiny", 40, 32, 1, 2), (custom.Model, custom.NPositions, custom.NEmbd, custom.NLayer, custom.NHead));
        Assert.Equal(custom.ModelShape(99) with { VocabSize = 0 }, new Model.GptConfig { VocabSize = 0, BlockSize = 40, Channels = 32, Layers = 1, Heads = 2 });
    }
}
