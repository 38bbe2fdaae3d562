using System.Text.Json;
using System.Text.Json.Nodes;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// The option names runs were stored with before the one key table (the web app's <c>save_every</c>, <c>log_every</c>,
/// <c>eval_every</c>, <c>batch_size</c>, <c>cosine_schedule</c>), and their translation to TRL's names: applied once to
/// stored configs when a database is upgraded, and named in the message when someone still types an old key.
/// </summary>
public static class LegacyKeys
{
    /// <summary>Old name → the key that replaced it.</summary>
    public static IReadOnlyDictionary<string, string> Renamed { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["save_every"] = "save_steps",
        ["log_every"] = "logging_steps",
        ["eval_every"] = "eval_steps",
        ["batch_size"] = "per_device_train_batch_size",
        ["cosine_schedule"] = "lr_scheduler_type",
    };

    /// <summary>
    /// A stored config with every old key translated (<c>cosine_schedule: false</c> becomes <c>lr_scheduler_type: "constant"</c>),
    /// in the same order; a key already in the new name wins over its old twin. Pure: <paramref name="config"/> is not changed.
    /// </summary>
    public static JsonObject Translate(JsonObject config)
    {
        var result = new JsonObject();
        foreach (var (key, value) in config)
        {
            if (!Renamed.TryGetValue(key, out var renamed))
            {
                result[key] = value?.DeepClone();
                continue;
            }
            if (config.ContainsKey(renamed)) continue;
            result[renamed] = key == "cosine_schedule" ? Schedule(value) : value?.DeepClone();
        }
        return result;
    }

    /// <summary>Whether <paramref name="config"/> holds any old key (what an upgrade rewrites).</summary>
    public static bool NeedsTranslation(JsonObject config) => config.Any(kv => Renamed.ContainsKey(kv.Key));

    // An unreadable old value stays as it was, so validation names it instead of the upgrade guessing.
    private static JsonNode? Schedule(JsonNode? value) => value?.GetValueKind() switch
    {
        JsonValueKind.True => "cosine",
        JsonValueKind.False => "constant",
        _ => value?.DeepClone(),
    };
}
