using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Tests;

public sealed class RunConfigTests
{
    private static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void Parse_ValidOptions_MapOntoTheEngineRecords()
    {
        var c = RunConfig.Parse("dpo", Json("""{"max_steps": 50, "learning_rate": 0.001, "beta": 0.2, "loss_type": "ipo", "cosine_schedule": false, "model": "small"}"""));
        Assert.Equal(50, c.Trainer.MaxSteps);
        Assert.Equal(0.001f, c.Trainer.LearningRate);
        Assert.False(c.Trainer.CosineSchedule);
        var dpo = Assert.IsType<DpoOptions>(c.AlgorithmOptions);
        Assert.Equal(0.2, dpo.Beta);
        Assert.Equal(DpoLossType.Ipo, dpo.LossType);
        Assert.Equal("small", c.Model);
    }

    [Fact]
    public void ToJson_FillsEveryDefault_WithShortNumbers()
    {
        var json = RunConfig.Parse("sft", Json("""{"max_steps": 7}""")).ToJson();
        Assert.Equal(7, json["max_steps"]!.GetValue<int>());
        Assert.Equal("0.001", json["learning_rate"]!.ToJsonString());
        Assert.Equal(1024, json["max_length"]!.GetValue<int>());
        Assert.Equal("tiny", json["model"]!.GetValue<string>());
        // Round trip: the stored config parses back to the same thing.
        Assert.Equal(json.ToJsonString(), RunConfig.Parse("sft", json).ToJson().ToJsonString());
    }

    [Theory]
    [InlineData("sft", """{"betaa": 1}""", "config.betaa", "Unknown option")]
    [InlineData("sft", """{"max_steps": "ten"}""", "config.max_steps", "must be a number")]
    [InlineData("sft", """{"max_steps": 1.5}""", "config.max_steps", "whole number")]
    [InlineData("sft", """{"packing": 1}""", "config.packing", "true or false")]
    [InlineData("sft", """{"batch_size": 0}""", "config.batch_size", "positive")]
    [InlineData("dpo", """{"beta": -1}""", "config.beta", "beta must be positive")]
    [InlineData("dpo", """{"loss_type": "nope"}""", "config.loss_type", "sigmoid")]
    [InlineData("grpo", """{"num_generations": 1}""", "config.num_generations", "at least 2")]
    [InlineData("ppo", """{"cliprange": 2}""", "config.cliprange", "(0, 1)")]
    [InlineData("sft", """{"model": "huge"}""", "config.model", "tiny")]
    [InlineData("sft", """{"stop_on_kl_above": "high"}""", "config.stop_on_kl_above", "number")]
    public void Parse_InvalidOption_Throws_NamingTheField(string algorithm, string json, string field, string message)
    {
        var e = Assert.Throws<InputException>(() => RunConfig.Parse(algorithm, Json(json)));
        Assert.Equal(field, e.Field);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Parse_UnknownAlgorithm_Throws_NamingTheAlgorithm()
    {
        var e = Assert.Throws<InputException>(() => RunConfig.Parse("rlhf", []));
        Assert.Equal("algorithm", e.Field);
    }

    [Fact]
    public void Options_ListEveryKeyWithItsDefault()
    {
        var options = RunConfig.Options("ppo");
        Assert.Contains(options, o => o.Key == "kl_coef" && o.Default!.ToJsonString() == "0.05");
        Assert.Contains(options, o => o.Key == "kl_estimator" && o.Choices!.Contains("k3"));
        Assert.DoesNotContain(options, o => o.Key == "output_dir");
    }

    [Fact]
    public void Snake_TurnsPascalCaseIntoTrlNames()
    {
        Assert.Equal("max_grad_norm", RunConfig.Snake("MaxGradNorm"));
        Assert.Equal("dr_grpo", RunConfig.Snake("DrGrpo"));
        Assert.Equal("k1", RunConfig.Snake("K1"));
    }
}
