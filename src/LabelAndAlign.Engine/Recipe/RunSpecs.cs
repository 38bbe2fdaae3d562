using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// A run's options as one flat JSON object with <see cref="RunKeys"/>' names (the API, the launch form, the stored run,
/// and <c>lna train</c>'s YAML once read) to and from a <see cref="RunSpec"/>. Parsing reports every invalid key at once.
/// </summary>
public static class RunSpecs
{
    /// <summary>
    /// Validates <paramref name="options"/> for <paramref name="algorithm"/> (a wire name) into a spec. Throws
    /// <see cref="RunSpecException"/> listing every problem: unknown keys (naming the new name of an old one, or the
    /// algorithm a key belongs to), wrong types, values out of bounds, keys that exclude each other, and an engine or
    /// device <paramref name="backends"/> lacks (not checked without it).
    /// </summary>
    public static RunSpec Parse(string? algorithm, JsonObject? options, TrainingBackends? backends = null)
    {
        if (string.IsNullOrWhiteSpace(algorithm)) throw new RunSpecException("algorithm", $"Choose an algorithm: {Algorithms.Names}.");
        var a = Algorithms.TryParse(algorithm) ?? throw new RunSpecException("algorithm", $"Unknown algorithm '{algorithm.Trim()}'; choose {Algorithms.Names}.");
        return Parse(a, options, backends);
    }

    /// <inheritdoc cref="Parse(string?, JsonObject?, TrainingBackends?)"/>
    public static RunSpec Parse(Algorithm algorithm, JsonObject? options, TrainingBackends? backends = null)
    {
        var keys = RunKeys.For(algorithm).ToDictionary(k => k.Name, StringComparer.Ordinal);
        var spec = RunSpec.Defaults(algorithm);
        var errors = new List<SpecError>();
        foreach (var (name, value) in options ?? [])
        {
            if (!keys.TryGetValue(name, out var key))
            {
                errors.Add(new(name, Unknown(name, algorithm, keys.Keys)));
                continue;
            }
            var (next, error) = key.Write(spec, value);
            if (error is not null) errors.Add(new(name, error));
            else spec = next!;
        }
        if (errors.Count == 0) errors.AddRange(SpecRules.Check(spec));
        if (errors.Count == 0 && backends is not null) errors.AddRange(backends.Check(spec));
        if (errors.Count == 0) errors.AddRange(RecordRules(spec));
        if (errors.Count > 0) throw new RunSpecException(errors);
        return spec;
    }

    /// <summary>Every key with its value (defaults filled in), in table order: what a run stores and shows.</summary>
    public static JsonObject ToJson(RunSpec spec)
    {
        var o = new JsonObject();
        foreach (var key in RunKeys.For(spec.Algorithm)) o[key.Name] = key.Read(spec);
        return o;
    }

    // The engine records' own checks, as a last net under the key table (they name the key first in their messages).
    private static IEnumerable<SpecError> RecordRules(RunSpec spec)
    {
        foreach (var check in new Action[] { spec.Trainer.Validate, spec.Options.Validate })
        {
            string? message = null;
            try { check(); }
            catch (ArgumentException e) { message = e.Message; }
            if (message is not null) yield return new(message.Split(' ', 2)[0], message);
        }
    }

    private static string Unknown(string name, Algorithm algorithm, IEnumerable<string> known)
    {
        if (LegacyKeys.Renamed.TryGetValue(name, out var renamed) && known.Contains(renamed))
            return $"{name} is called {renamed} now (TRL's name).";
        var owners = RunKeys.WithKey(name);
        if (owners.Count > 0)
            return $"{name} is an option of {string.Join(" and ", owners.Select(o => o.WireName()))}, not of {algorithm.WireName()}.";
        var near = known.Select(k => (Key: k, Distance: Distance(name, k))).Where(x => x.Distance <= 2).OrderBy(x => x.Distance).Select(x => x.Key).FirstOrDefault();
        return near is not null
            ? $"Unknown option '{name}'; did you mean {near}?"
            : $"Unknown option '{name}' for {algorithm.WireName()}. Known options: {string.Join(", ", known)}.";
    }

    /// <summary>Edit distance (insert, delete, substitute), for "did you mean".</summary>
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
