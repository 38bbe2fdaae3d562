using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Web.Components.Pages.Runs;

/// <summary>
/// The launch form's named presets: option values (run key table names) over the defaults. "Quick" trains the built-in
/// packs' tiny models in a minute; "TRL defaults" keeps TRL's own numbers, meant for big pretrained models.
/// </summary>
public static class LaunchPresets
{
    public const string Quick = "Quick", Standard = "Standard", Trl = "TRL defaults";

    /// <summary>What a preset is for, in a sentence (the form shows it under the preset, with the values it sets).</summary>
    public static string Describe(string preset) => preset switch
    {
        Quick => "A tiny model on a built-in task pack in a minute or two: few steps and a high learning rate, which a small new model wants.",
        Standard => "The same tiny model trained longer and on bigger batches: better results in several minutes.",
        Trl => "TRL's own numbers (a small learning rate, long sequences): meant for fine-tuning a big pretrained model, slow and weak on a tiny one.",
        _ => "The cloned run's own values.",
    };

    public static IReadOnlyDictionary<string, Dictionary<string, string>> For(Algorithm algorithm) => algorithm switch
    {
        Algorithm.Sft => new Dictionary<string, Dictionary<string, string>>
        {
            [Quick] = new() { ["max_steps"] = "60", ["per_device_train_batch_size"] = "16", ["learning_rate"] = "0.003", ["warmup_steps"] = "5", ["save_steps"] = "20", ["eval_steps"] = "10", ["max_length"] = "128" },
            [Standard] = new() { ["max_steps"] = "400", ["per_device_train_batch_size"] = "32", ["learning_rate"] = "0.003", ["warmup_steps"] = "20", ["save_steps"] = "50", ["max_length"] = "128" },
            [Trl] = new() { ["learning_rate"] = "2e-05", ["max_length"] = "1024" },
        },
        Algorithm.Reward => new Dictionary<string, Dictionary<string, string>>
        {
            [Quick] = new() { ["max_steps"] = "100", ["per_device_train_batch_size"] = "16", ["learning_rate"] = "0.001", ["warmup_steps"] = "10", ["save_steps"] = "25", ["center_rewards_coefficient"] = "0.01" },
            [Trl] = new() { ["learning_rate"] = "0.0001" },
        },
        Algorithm.Dpo => new Dictionary<string, Dictionary<string, string>>
        {
            [Quick] = new() { ["max_steps"] = "100", ["per_device_train_batch_size"] = "16", ["learning_rate"] = "0.001", ["warmup_steps"] = "10", ["lr_scheduler_type"] = "constant", ["save_steps"] = "25" },
            [Trl] = new() { ["learning_rate"] = "1e-06", ["beta"] = "0.1" },
        },
        Algorithm.Ppo => new Dictionary<string, Dictionary<string, string>>
        {
            [Quick] = new() { ["max_steps"] = "100", ["per_device_train_batch_size"] = "16", ["learning_rate"] = "0.0005", ["lr_scheduler_type"] = "constant", ["save_steps"] = "25", ["stop_on_kl_above"] = "20" },
            [Trl] = new(),
        },
        _ => new Dictionary<string, Dictionary<string, string>>
        {
            [Quick] = new() { ["max_steps"] = "60", ["per_device_train_batch_size"] = "8", ["learning_rate"] = "0.0005", ["lr_scheduler_type"] = "constant", ["beta"] = "0.02", ["save_steps"] = "20", ["stop_on_kl_above"] = "20" },
            [Trl] = new() { ["learning_rate"] = "1e-06", ["beta"] = "0" },
        },
    };
}
