using System.Globalization;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>Typed constructors for the rows of <see cref="RunKeys"/>: each binds a key to one property of a <see cref="RunSpec"/>.</summary>
internal static class KeyBuilders
{
    public static RunKey Int(string name, string group, int min, int max, Func<RunSpec, int> get, Func<RunSpec, int, RunSpec> set, string help) =>
        new(name, KeyType.Integer, group, help, s => get(s), (s, v) => set(s, v.GetValue<int>()), min: min, max: max);

    public static RunKey IntOrNull(string name, string group, int min, int max, Func<RunSpec, int?> get, Func<RunSpec, int?, RunSpec> set, string help) =>
        new(name, KeyType.Integer, group, help, s => get(s) is int i ? i : null, (s, v) => set(s, v.GetValue<int>()), s => set(s, null), min, max);

    public static RunKey Num(string name, string group, double min, double max, Func<RunSpec, double> get, Func<RunSpec, double, RunSpec> set, string help,
        bool minExclusive = false, bool maxExclusive = false) =>
        new(name, KeyType.Number, group, help, s => get(s), (s, v) => set(s, v.GetValue<double>()), null, min, max, minExclusive, maxExclusive);

    public static RunKey NumOrNull(string name, string group, double min, double max, Func<RunSpec, double?> get, Func<RunSpec, double?, RunSpec> set, string help,
        bool minExclusive = false) =>
        new(name, KeyType.Number, group, help, s => get(s) is double d ? d : null, (s, v) => set(s, v.GetValue<double>()), s => set(s, null), min, max, minExclusive);

    /// <summary>A float property, shown by its shortest text (1e-3f as 0.001, not 0.0010000000474974513).</summary>
    public static RunKey Float(string name, string group, double min, double max, Func<RunSpec, float> get, Func<RunSpec, float, RunSpec> set, string help,
        bool minExclusive = false, bool maxExclusive = false) =>
        new(name, KeyType.Number, group, help, s => Short(get(s)), (s, v) => set(s, (float)v.GetValue<double>()), null, min, max, minExclusive, maxExclusive);

    public static RunKey FloatOrNull(string name, string group, double min, double max, Func<RunSpec, float?> get, Func<RunSpec, float?, RunSpec> set, string help,
        bool minExclusive = false) =>
        new(name, KeyType.Number, group, help, s => get(s) is float f ? Short(f) : null, (s, v) => set(s, (float)v.GetValue<double>()), s => set(s, null),
            min, max, minExclusive);

    public static RunKey Bool(string name, string group, Func<RunSpec, bool> get, Func<RunSpec, bool, RunSpec> set, string help) =>
        new(name, KeyType.Boolean, group, help, s => get(s), (s, v) => set(s, v.GetValue<bool>()));

    /// <summary>One of named values (the names are what JSON and YAML hold).</summary>
    public static RunKey Choice<T>(string name, string group, (string Name, T Value)[] choices, Func<RunSpec, T> get, Func<RunSpec, T, RunSpec> set, string help)
        where T : notnull =>
        new(name, KeyType.Choice, group, help,
            s => choices.First(c => EqualityComparer<T>.Default.Equals(c.Value, get(s))).Name,
            (s, v) => set(s, choices.First(c => c.Name == v.GetValue<string>()).Value),
            choices: choices.Select(c => c.Name).ToArray());

    // Bindings to the records inside a spec.
    public static Func<RunSpec, T> Tr<T>(Func<TrainerOptions, T> get) => s => get(s.Trainer);
    public static Func<RunSpec, T, RunSpec> Tr<T>(Func<TrainerOptions, T, TrainerOptions> set) => (s, v) => s with { Trainer = set(s.Trainer, v) };
    public static Func<RunSpec, T> Of<TOptions, T>(Func<TOptions, T> get) where TOptions : AlgorithmOptions => s => get(s.OptionsAs<TOptions>());
    public static Func<RunSpec, T, RunSpec> Of<TOptions, T>(Func<TOptions, T, TOptions> set) where TOptions : AlgorithmOptions =>
        (s, v) => s with { Options = set(s.OptionsAs<TOptions>(), v) };

    private static JsonNode Short(float f) => double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
