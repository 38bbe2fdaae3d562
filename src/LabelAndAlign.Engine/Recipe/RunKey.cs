using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>The JSON type of a key's value.</summary>
public enum KeyType { Integer, Number, Boolean, Choice }

/// <summary>
/// One option of a run in <see cref="RunKeys"/>: its TRL name, type, bounds (every number has both), choices and one
/// line of help, plus how it reads from and writes into a <see cref="RunSpec"/>. <see cref="Info"/> is the same as
/// plain data, for forms and the API.
/// </summary>
public sealed class RunKey
{
    private readonly Func<RunSpec, JsonNode?> _get;
    private readonly Func<RunSpec, JsonNode, RunSpec> _set;
    private readonly Func<RunSpec, RunSpec>? _clear;

    internal RunKey(string name, KeyType type, string group, string help, Func<RunSpec, JsonNode?> get, Func<RunSpec, JsonNode, RunSpec> set,
        Func<RunSpec, RunSpec>? clear = null, double? min = null, double? max = null, bool minExclusive = false, bool maxExclusive = false,
        IReadOnlyList<string>? choices = null)
    {
        if (type is KeyType.Integer or KeyType.Number && (min is null || max is null)) throw new ArgumentException($"Key {name} needs both bounds.");
        Name = name;
        Type = type;
        Group = group;
        Help = help;
        _get = get;
        _set = set;
        _clear = clear;
        Min = min;
        Max = max;
        MinExclusive = minExclusive;
        MaxExclusive = maxExclusive;
        Choices = choices;
    }

    /// <summary>TRL's snake_case name (ours where TRL has none).</summary>
    public string Name { get; }
    public KeyType Type { get; }

    /// <summary>model, training, evaluation, alerts, engine, or the algorithm's wire name.</summary>
    public string Group { get; }

    /// <summary>What it does and TRL's default, in one line.</summary>
    public string Help { get; }

    /// <summary>Null is accepted and means "off" / "the preset's".</summary>
    public bool Nullable => _clear is not null;

    public double? Min { get; }
    public double? Max { get; }
    public bool MinExclusive { get; }
    public bool MaxExclusive { get; }
    public IReadOnlyList<string>? Choices { get; }

    /// <summary>The value in <paramref name="spec"/>, as JSON (null when off).</summary>
    public JsonNode? Read(RunSpec spec) => _get(spec);

    /// <summary>The key as plain data, with <paramref name="algorithm"/>'s default.</summary>
    public RunKeyInfo Info(Algorithm algorithm) =>
        new(Name, Type.ToString().ToLowerInvariant(), Group, Nullable, Read(RunSpec.Defaults(algorithm)), Min, Max, MinExclusive, MaxExclusive, Choices, Help);

    /// <summary><paramref name="spec"/> with this key set to <paramref name="value"/>, or the reason it cannot be (in the user's words).</summary>
    internal (RunSpec? Spec, string? Error) Write(RunSpec spec, JsonNode? value)
    {
        if (value is null)
            return _clear is not null ? (_clear(spec), null) : (null, $"{Name} needs a value{Expected()}.");
        var kind = value.GetValueKind();
        switch (Type)
        {
            case KeyType.Boolean:
                if (kind is not (JsonValueKind.True or JsonValueKind.False)) return (null, $"{Name} must be true or false, found {Show(value)}.");
                break;
            case KeyType.Choice:
                if (kind != JsonValueKind.String || !Choices!.Contains(value.GetValue<string>().Trim().ToLowerInvariant()))
                    return (null, $"{Name} must be one of {string.Join(", ", Choices!)}, found {Show(value)}.");
                value = JsonValue.Create(value.GetValue<string>().Trim().ToLowerInvariant());
                break;
            default:
                if (kind != JsonValueKind.Number) return (null, $"{Name} must be a number{Expected()}, found {Show(value)}.");
                double d = Number(value);
                if (Type == KeyType.Integer && d != Math.Floor(d)) return (null, $"{Name} must be a whole number{Expected()}, found {Show(value)}.");
                if (d < Min || (MinExclusive && d == Min)) return (null, $"{Name} must be {(MinExclusive ? "more than" : "at least")} {Format(Min!.Value)}, found {Show(value)}.");
                if (d > Max || (MaxExclusive && d == Max)) return (null, $"{Name} must be {(MaxExclusive ? "less than" : "at most")} {Format(Max!.Value)}, found {Show(value)}.");
                value = Type == KeyType.Integer ? JsonValue.Create((int)d) : JsonValue.Create(d);
                break;
        }
        return (_set(spec, value), null);
    }

    private string Expected() => Type switch
    {
        KeyType.Integer or KeyType.Number => $" from {Format(Min!.Value)} to {Format(Max!.Value)}",
        KeyType.Choice => $": one of {string.Join(", ", Choices!)}",
        _ => "",
    };

    /// <summary>1,000,000 for big whole numbers, 1E-06 style never: the bounds as a person writes them.</summary>
    internal static string Format(double v) =>
        v == Math.Floor(v) && Math.Abs(v) < 1e15 ? v.ToString("#,0", CultureInfo.InvariantCulture) : v.ToString("0.##########", CultureInfo.InvariantCulture);

    // Through the JSON text: a node built in code may hold a long or a decimal, which GetValue<double> refuses.
    internal static double Number(JsonNode v) => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture);

    internal static string Show(JsonNode v) => v.ToJsonString() is { Length: <= 40 } s ? s : v.GetValueKind().ToString().ToLowerInvariant();
}

/// <summary>A <see cref="RunKey"/> as data: what a form renders and <c>GET /api/runs/options</c> returns.</summary>
public sealed record RunKeyInfo(string Key, string Type, string Group, bool Nullable, JsonNode? Default, double? Min, double? Max,
    bool MinExclusive, bool MaxExclusive, IReadOnlyList<string>? Choices, string Help);
