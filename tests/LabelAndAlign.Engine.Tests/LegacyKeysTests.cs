using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

public sealed class LegacyKeysTests
{
    /// <summary>A config as the web app stored it before the one key table (every key, old names).</summary>
    private const string StoredSft = """
        {"model":"tiny","max_steps":12,"batch_size":4,"gradient_accumulation_steps":1,"learning_rate":0.003,"min_lr_ratio":0.1,
         "warmup_steps":0,"cosine_schedule":false,"weight_decay":0,"max_grad_norm":1,"seed":1,"save_every":6,"save_total_limit":2,
         "eval_every":0,"log_every":1,"max_length":32,"packing":false,"stop_on_kl_above":null,"stop_on_reward_below":null}
        """;

    [Fact]
    public void Translate_RenamesTheOldKeys_InPlace_AndMapsTheSchedule()
    {
        var old = JsonNode.Parse(StoredSft)!.AsObject();
        var json = LegacyKeys.Translate(old);
        Assert.Equal(["model", "max_steps", "per_device_train_batch_size", "gradient_accumulation_steps", "learning_rate", "min_lr_ratio", "warmup_steps",
            "lr_scheduler_type", "weight_decay", "max_grad_norm", "seed", "save_steps", "save_total_limit", "eval_steps", "logging_steps", "max_length",
            "packing", "stop_on_kl_above", "stop_on_reward_below"], json.Select(kv => kv.Key));
        Assert.Equal("constant", json["lr_scheduler_type"]!.GetValue<string>());
        Assert.Equal(6, json["save_steps"]!.GetValue<int>());
        Assert.True(old.ContainsKey("batch_size")); // pure: the input is untouched
        var spec = RunSpecs.Parse("sft", json);
        Assert.Equal((4, 6, LrSchedulerType.Constant), (spec.Trainer.BatchSize, spec.Trainer.SaveSteps, spec.Trainer.LrSchedulerType));
    }

    [Fact]
    public void Translate_KeepsTheNewKey_WhenBothAreThere_AndLeavesANewConfigAlone()
    {
        var both = LegacyKeys.Translate(JsonNode.Parse("""{"save_every": 5, "save_steps": 9, "cosine_schedule": true}""")!.AsObject());
        Assert.Equal("""{"save_steps":9,"lr_scheduler_type":"cosine"}""", both.ToJsonString());
        var current = JsonNode.Parse("""{"save_steps": 9, "beta": 0.1}""")!.AsObject();
        Assert.False(LegacyKeys.NeedsTranslation(current));
        Assert.Equal(current.ToJsonString(), LegacyKeys.Translate(current).ToJsonString());
    }

    [Fact]
    public void Translate_LeavesAnUnreadableScheduleForValidationToName()
    {
        var json = LegacyKeys.Translate(JsonNode.Parse("""{"cosine_schedule": "maybe"}""")!.AsObject());
        Assert.Equal("lr_scheduler_type", Assert.Single(Assert.Throws<RunSpecException>(() => RunSpecs.Parse("sft", json)).Errors).Key);
    }
}
