using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// The one reader of dataset rows (TRL's JSON Lines formats, see alignment-reference.md) into a run's typed examples:
/// <c>text</c>, <c>prompt</c>+<c>completion</c> or <c>messages</c> for SFT; <c>prompt</c>+<c>chosen</c>+<c>rejected</c>
/// (+<c>margin</c>; the prompt may be implicit) for reward models and DPO; <c>prompt</c> (+ any columns the reward
/// functions read) for PPO and GRPO. Conversational fields (lists of role/content messages) are accepted wherever text is.
/// </summary>
public static class DatasetRows
{
    /// <summary>Problems listed per failure; the rest are counted.</summary>
    private const int MaxListed = 5;

    /// <summary>The rows as <paramref name="algorithm"/>'s examples; throws naming every bad row (up to five) and what it expected.</summary>
    /// <param name="source">where the rows came from, for messages (a file name, "dataset 'x'")</param>
    public static RunExamples Parse(Algorithm algorithm, IReadOnlyList<JsonObject> rows, string source = "the dataset") =>
        Parse(algorithm, algorithm is Algorithm.Reward or Algorithm.Dpo ? Shape.Preferences : algorithm == Algorithm.Sft ? Shape.Sft : Shape.Prompts, rows, source);

    /// <summary>The rows as <paramref name="spec"/>'s examples: as its algorithm's, except online DPO, which samples its own pairs from prompts.</summary>
    public static RunExamples Parse(RunSpec spec, IReadOnlyList<JsonObject> rows, string source = "the dataset") =>
        spec.Options is DpoOptions { Online: true } ? Parse(spec.Algorithm, Shape.Prompts, rows, source) : Parse(spec.Algorithm, rows, source);

    private enum Shape { Sft, Preferences, Prompts }

    private static RunExamples Parse(Algorithm algorithm, Shape shape, IReadOnlyList<JsonObject> rows, string source)
    {
        if (rows.Count == 0) throw new InvalidDataException($"{Capital(source)} has no rows.");
        var errors = new List<string>();
        int bad = 0;
        T? Each<T>(int i, Func<JsonObject, T> read) where T : class
        {
            try { return read(rows[i]); }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FormatException)
            {
                if (bad++ < MaxListed) errors.Add($"row {i + 1}: {e.Message}");
                return null;
            }
        }
        RunExamples examples = shape switch
        {
            Shape.Sft => RunExamples.Of(Collect(rows.Count, i => Each(i, Sft))),
            Shape.Preferences => RunExamples.Of(Collect(rows.Count, i => Each(i, Preference))),
            _ => RunExamples.Of(Collect(rows.Count, i => Each(i, Prompt))),
        };
        if (bad > 0)
            throw new InvalidDataException($"{Capital(source)} has {bad} row{(bad == 1 ? "" : "s")} that {algorithm.WireName()} cannot train on: "
                + string.Join("; ", errors) + (bad > MaxListed ? $"; and {bad - MaxListed} more." : "."));
        return examples;
    }

    /// <summary>The first <paramref name="count"/> distinct prompts (a text row's first words), keeping each row's other fields for the rewards.</summary>
    public static IReadOnlyList<PromptExample> EvalPrompts(IReadOnlyList<JsonObject> rows, int count)
    {
        var list = new List<PromptExample>();
        foreach (var o in rows)
        {
            if (list.Count >= count) break;
            PromptExample? prompt = o["prompt"] is not null ? Prompt(o)
                : o["text"] is { } t ? new PromptExample(string.Join(' ', Flatten(t).Split(' ').Take(3))) : null;
            if (prompt is null || list.Any(x => x.Prompt == prompt.Prompt)) continue;
            list.Add(prompt);
        }
        return list;
    }

    /// <summary>Every text in the rows (strings and message contents): a tokenizer's training corpus.</summary>
    public static IEnumerable<string> Texts(IEnumerable<JsonObject> rows) => rows.SelectMany(r => r.Select(kv => kv.Value)).SelectMany(Texts);

    /// <summary>A JSON Lines file's rows; throws naming the line that is not a JSON object.</summary>
    public static List<JsonObject> ReadJsonl(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Dataset not found: {path}", path);
        var rows = new List<JsonObject>();
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                rows.Add(JsonNode.Parse(text) as JsonObject ?? throw new InvalidDataException($"{path}:{line}: expected a JSON object."));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{line}: not a JSON object ({e.Message}).");
            }
        }
        return rows;
    }

    private static List<T> Collect<T>(int n, Func<int, T?> read) where T : class
    {
        var list = new List<T>(n);
        for (int i = 0; i < n; i++)
            if (read(i) is { } x) list.Add(x);
        return list;
    }

    private static SftExample Sft(JsonObject o)
    {
        if (o["messages"] is JsonArray m) return new SftExample { Messages = Messages(m) };
        if (o["prompt"] is { } p && o["completion"] is { } c)
        {
            if (p is JsonArray pm && c is JsonArray cm) return new SftExample { Messages = [.. Messages(pm), .. Messages(cm)] };
            return new SftExample { Prompt = Flatten(p), Completion = Flatten(c) };
        }
        if (o["text"] is { } t) return new SftExample { Text = Flatten(t) };
        throw new InvalidDataException("expected \"text\", \"prompt\" + \"completion\", or \"messages\".");
    }

    private static PreferenceExample Preference(JsonObject o)
    {
        if (o["chosen"] is not { } c || o["rejected"] is not { } r)
            throw new InvalidDataException("expected \"chosen\" and \"rejected\" (and optionally \"prompt\" and \"margin\").");
        double margin = o["margin"] is { } m ? m.GetValueKind() == JsonValueKind.Number ? m.GetValue<double>()
            : throw new InvalidDataException($"\"margin\" must be a number, found {m.ToJsonString()}.") : 0;
        return new PreferenceExample(o["prompt"] is { } p ? Flatten(p) : "", Flatten(c), Flatten(r), margin);
    }

    private static PromptExample Prompt(JsonObject o)
    {
        if (o["prompt"] is not { } p) throw new InvalidDataException("expected \"prompt\" (plus any columns the reward functions read).");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in o)
            if (k != "prompt" && v is not null) fields[k] = v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
        return new PromptExample(Flatten(p), fields);
    }

    private static List<ChatMessage> Messages(JsonArray a) => a.Select(x =>
    {
        string role = x?["role"]?.GetValueKind() == JsonValueKind.String ? x["role"]!.GetValue<string>() : throw new InvalidDataException("every message needs a \"role\".");
        string content = x["content"]?.GetValueKind() == JsonValueKind.String ? x["content"]!.GetValue<string>() : throw new InvalidDataException("every message needs a \"content\".");
        return new ChatMessage(role, content);
    }).ToList();

    /// <summary>A text field, or a conversation's contents one per line.</summary>
    private static string Flatten(JsonNode v) => v switch
    {
        JsonArray a => string.Join("\n", Messages(a).Select(m => m.Content)),
        JsonValue s when s.GetValueKind() == JsonValueKind.String => s.GetValue<string>(),
        _ => throw new InvalidDataException($"expected text or a list of messages, found {v.ToJsonString()}."),
    };

    private static IEnumerable<string> Texts(JsonNode? v) => v switch
    {
        JsonValue s when s.GetValueKind() == JsonValueKind.String => [s.GetValue<string>()],
        JsonArray a => a.SelectMany(m => Texts(m?["content"])),
        _ => [],
    };

    private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
