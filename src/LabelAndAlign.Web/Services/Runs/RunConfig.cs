using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>One option a run accepts: its key (TRL's snake_case name), type and default.</summary>
public sealed record RunOption(string Key, string Type, JsonNode? Default, string Group, IReadOnlyList<string>? Choices);

/// <summary>
/// A run's options as one flat JSON object with TRL's snake_case keys, mapped onto the engine's
/// option records (<see cref="TrainerOptions"/> plus the algorithm's own, e.g. <see cref="DpoOptions"/>)
/// by reflection, so a new option in a record is accepted without touching this class. Unknown
/// keys, wrong types and out-of-range values are rejected with the key named
/// (<see cref="InputException"/> with field <c>config.&lt;key&gt;</c>).
/// </summary>
public sealed class RunConfig
{
    public static IReadOnlyList<string> Algorithms { get; } = ["sft", "reward", "dpo", "ppo", "grpo"];

    /// <summary>Keys that are not properties of the engine records.</summary>
    public const string ModelKey = "model", StopOnKlAboveKey = "stop_on_kl_above", StopOnRewardBelowKey = "stop_on_reward_below";

    // Where TRL's name is not the snake_case of our property name.
    private static readonly Dictionary<string, string> Renames = new(StringComparer.Ordinal)
    {
        ["ClipRange"] = "cliprange", ["ClipRangeValue"] = "cliprange_value", ["Lambda"] = "lam", ["MinLearningRateRatio"] = "min_lr_ratio",
    };

    // Set by the engine (per run folder) or not expressible as a flat value.
    private static readonly HashSet<string> Hidden = ["OutputDir", "RewardWeights"];

    private RunConfig(string algorithm, TrainerOptions trainer, object algorithmOptions, string model, double? klAbove, double? rewardBelow)
    {
        Algorithm = algorithm;
        Trainer = trainer;
        AlgorithmOptions = algorithmOptions;
        Model = model;
        StopOnKlAbove = klAbove;
        StopOnRewardBelow = rewardBelow;
    }

    public string Algorithm { get; }
    public TrainerOptions Trainer { get; }

    /// <summary>SftOptions, RewardOptions, DpoOptions, PpoOptions or GrpoOptions.</summary>
    public object AlgorithmOptions { get; }

    /// <summary>Model preset (tiny, small) for a run that starts a new model.</summary>
    public string Model { get; }

    /// <summary>Alerts: stop the run when the KL estimate exceeds this / the mean reward falls below this.</summary>
    public double? StopOnKlAbove { get; }
    public double? StopOnRewardBelow { get; }

    public static Type OptionsType(string algorithm) => algorithm switch
    {
        "sft" => typeof(SftOptions),
        "reward" => typeof(RewardOptions),
        "dpo" => typeof(DpoOptions),
        "ppo" => typeof(PpoOptions),
        "grpo" => typeof(GrpoOptions),
        _ => throw new InputException("algorithm", $"Unknown algorithm '{algorithm}'; expected one of: {string.Join(", ", Algorithms)}."),
    };

    /// <summary>Every option of <paramref name="algorithm"/> with its default (what the launch form shows).</summary>
    public static IReadOnlyList<RunOption> Options(string algorithm)
    {
        var list = new List<RunOption>
        {
            new(ModelKey, "string", "tiny", "model", ["tiny", "small"]),
        };
        list.AddRange(Properties(typeof(TrainerOptions)).Select(p => Describe(p, new TrainerOptions(), "trainer")));
        var type = OptionsType(algorithm);
        var defaults = Activator.CreateInstance(type)!;
        list.AddRange(Properties(type).Where(p => list.All(o => o.Key != Key(p))).Select(p => Describe(p, defaults, algorithm)));
        list.Add(new(StopOnKlAboveKey, "number?", null, "alerts", null));
        list.Add(new(StopOnRewardBelowKey, "number?", null, "alerts", null));
        return list;
    }

    private static RunOption Describe(PropertyInfo p, object defaults, string group)
    {
        var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
        bool nullable = Nullable.GetUnderlyingType(p.PropertyType) is not null;
        string type = t == typeof(bool) ? "boolean" : t == typeof(int) ? "integer" : t.IsEnum ? "choice" : "number";
        return new RunOption(Key(p), nullable ? type + "?" : type, ToJson(p.GetValue(defaults)), group,
            t.IsEnum ? Enum.GetNames(t).Select(Snake).ToList() : null);
    }

    /// <summary>Validates <paramref name="config"/> for <paramref name="algorithm"/>; throws naming the first bad key.</summary>
    public static RunConfig Parse(string? algorithm, JsonObject? config)
    {
        if (string.IsNullOrWhiteSpace(algorithm)) throw new InputException("algorithm", $"Choose an algorithm: {string.Join(", ", Algorithms)}.");
        algorithm = algorithm.Trim().ToLowerInvariant();
        var optionsType = OptionsType(algorithm);
        config ??= [];

        var trainerProps = Properties(typeof(TrainerOptions)).ToDictionary(Key);
        var algoProps = Properties(optionsType).ToDictionary(Key);
        object trainer = new TrainerOptions();
        object algo = Activator.CreateInstance(optionsType)!;
        string model = "tiny";
        double? klAbove = null, rewardBelow = null;

        foreach (var (key, value) in config)
        {
            string field = $"config.{key}";
            if (key == ModelKey)
            {
                model = value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>().ToLowerInvariant() : throw new InputException(field, "model must be a preset name: tiny or small.");
                try { GptConfig.Preset(model); }
                catch (ArgumentException e) { throw new InputException(field, e.Message); }
                continue;
            }
            if (key is StopOnKlAboveKey or StopOnRewardBelowKey)
            {
                double? v = value is null ? null : value.GetValueKind() == JsonValueKind.Number && double.IsFinite(Number(value))
                    ? Number(value) : throw new InputException(field, $"{key} must be a number (or null to turn the alert off).");
                if (key == StopOnKlAboveKey) klAbove = v; else rewardBelow = v;
                continue;
            }
            // An option both records have (max_length) belongs to the algorithm's record.
            if (algoProps.TryGetValue(key, out var ap)) Set(algo, ap, value, field);
            else if (trainerProps.TryGetValue(key, out var tp)) Set(trainer, tp, value, field);
            else throw new InputException(field, $"Unknown option '{key}' for {algorithm}. Known options: {string.Join(", ", Options(algorithm).Select(o => o.Key))}.");
        }

        Validate(trainer, config, field: "config");
        Validate(algo, config, field: "config");
        return new RunConfig(algorithm, (TrainerOptions)trainer, algo, model, klAbove, rewardBelow);
    }

    /// <summary>The effective options, every key with its value (defaults filled in), as stored on the run.</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject { [ModelKey] = Model };
        foreach (var p in Properties(typeof(TrainerOptions))) o[Key(p)] = ToJson(p.GetValue(Trainer));
        foreach (var p in Properties(AlgorithmOptions.GetType())) o[Key(p)] = ToJson(p.GetValue(AlgorithmOptions));
        o[StopOnKlAboveKey] = StopOnKlAbove;
        o[StopOnRewardBelowKey] = StopOnRewardBelow;
        return o;
    }

    private static void Validate(object options, JsonObject config, string field)
    {
        var validate = options.GetType().GetMethod("Validate", Type.EmptyTypes);
        try
        {
            validate?.Invoke(options, null);
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException a)
        {
            // Engine messages start with the option's name ("beta must be positive, found -1.").
            string first = a.Message.Split(' ', 2)[0];
            string key = Properties(options.GetType()).Select(Key).FirstOrDefault(k => k == first)
                ?? config.Select(kv => kv.Key).FirstOrDefault(k => a.Message.Contains(k, StringComparison.Ordinal))
                ?? "";
            throw new InputException(key.Length > 0 ? $"{field}.{key}" : field, a.Message);
        }
    }

    private static void Set(object target, PropertyInfo p, JsonNode? value, string field)
    {
        var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
        bool nullable = Nullable.GetUnderlyingType(p.PropertyType) is not null;
        string key = Key(p);
        if (value is null)
        {
            if (!nullable) throw new InputException(field, $"{key} cannot be null.");
            p.SetValue(target, null);
            return;
        }
        var kind = value.GetValueKind();
        object converted;
        if (t == typeof(bool))
        {
            if (kind is not (JsonValueKind.True or JsonValueKind.False)) throw new InputException(field, $"{key} must be true or false, found {Show(value)}.");
            converted = value.GetValue<bool>();
        }
        else if (t.IsEnum)
        {
            string? s = kind == JsonValueKind.String ? value.GetValue<string>() : null;
            var match = Enum.GetNames(t).FirstOrDefault(n => string.Equals(Snake(n), s, StringComparison.OrdinalIgnoreCase) || string.Equals(n, s, StringComparison.OrdinalIgnoreCase));
            converted = match is null
                ? throw new InputException(field, $"{key} must be one of {string.Join(", ", Enum.GetNames(t).Select(Snake))}, found {Show(value)}.")
                : Enum.Parse(t, match);
        }
        else
        {
            if (kind != JsonValueKind.Number) throw new InputException(field, $"{key} must be a number, found {Show(value)}.");
            double d = Number(value);
            if (t == typeof(int))
            {
                if (d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue) throw new InputException(field, $"{key} must be a whole number, found {Show(value)}.");
                converted = (int)d;
            }
            else if (t == typeof(float)) converted = (float)d;
            else if (t == typeof(double)) converted = d;
            else throw new InputException(field, $"{key} cannot be set here.");
        }
        p.SetValue(target, converted);
    }

    // Through the JSON text: a node built in code may hold a long or a decimal, which GetValue<double> refuses.
    private static double Number(JsonNode v) => double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    private static string Show(JsonNode v) => v.ToJsonString() is { Length: <= 40 } s ? s : v.GetValueKind().ToString().ToLowerInvariant();

    private static JsonNode? ToJson(object? v) => v switch
    {
        null => null,
        bool b => b,
        int i => i,
        // Through the shortest round-trip text, so 1e-3f is stored as 0.001, not 0.0010000000474974513.
        float f => double.Parse(f.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture),
        double d => d,
        Enum e => Snake(e.ToString()),
        _ => v.ToString(),
    };

    private static IEnumerable<PropertyInfo> Properties(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && !Hidden.Contains(p.Name) && IsSimple(p.PropertyType));

    private static bool IsSimple(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t == typeof(int) || t == typeof(float) || t == typeof(double) || t == typeof(bool) || t.IsEnum;
    }

    public static string Key(PropertyInfo p) => Renames.TryGetValue(p.Name, out var r) ? r : Snake(p.Name);

    /// <summary>PascalCase to snake_case: MaxGradNorm → max_grad_norm, DrGrpo → dr_grpo.</summary>
    public static string Snake(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])))) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
