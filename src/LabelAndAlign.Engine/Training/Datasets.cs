using System.Text.Json;
using System.Text.Json.Nodes;

namespace LabelAndAlign.Engine.Training;

/// <summary>A chat turn: role is system, user or assistant.</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>
/// An SFT row in one of TRL's shapes: <c>text</c> (language modelling), <c>prompt</c> +
/// <c>completion</c>, or <c>messages</c> (the last assistant turn is the completion).
/// </summary>
public sealed record SftExample
{
    public string? Text { get; init; }
    public string? Prompt { get; init; }
    public string? Completion { get; init; }
    public IReadOnlyList<ChatMessage>? Messages { get; init; }
}

/// <summary>A preference pair (explicit prompt; implicit-prompt rows have Prompt ""), with the reward model's optional margin.</summary>
public sealed record PreferenceExample(string Prompt, string Chosen, string Rejected, double Margin = 0);

/// <summary>A prompt for PPO/GRPO and its extra columns (passed to reward functions, e.g. the expected answer).</summary>
public sealed record PromptExample(string Prompt, IReadOnlyDictionary<string, string> Fields)
{
    public PromptExample(string prompt) : this(prompt, new Dictionary<string, string>()) { }
}

/// <summary>Reads TRL-format JSON Lines datasets. Errors name the file, the line and the fields expected.</summary>
public static class Datasets
{
    public static List<SftExample> LoadSft(string path) => Read(path, (o, where) =>
    {
        if (o["messages"] is JsonArray m) return new SftExample { Messages = Messages(m, where) };
        if (o["prompt"] is JsonNode p && o["completion"] is JsonNode c) return new SftExample { Prompt = p.GetValue<string>(), Completion = c.GetValue<string>() };
        if (o["text"] is JsonNode t) return new SftExample { Text = t.GetValue<string>() };
        throw new InvalidDataException($"{where}: expected \"text\", \"prompt\"+\"completion\" or \"messages\".");
    });

    public static List<PreferenceExample> LoadPreferences(string path) => Read(path, (o, where) =>
    {
        if (o["chosen"] is not JsonNode c || o["rejected"] is not JsonNode r)
            throw new InvalidDataException($"{where}: expected \"chosen\" and \"rejected\" (and optionally \"prompt\", \"margin\").");
        string prompt = o["prompt"]?.GetValue<string>() ?? "";
        double margin = o["margin"]?.GetValue<double>() ?? 0;
        return new PreferenceExample(prompt, c.GetValue<string>(), r.GetValue<string>(), margin);
    });

    public static List<PromptExample> LoadPrompts(string path) => Read(path, (o, where) =>
    {
        if (o["prompt"] is not JsonNode p) throw new InvalidDataException($"{where}: expected \"prompt\" (plus any extra columns for the reward functions).");
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in o)
            if (k != "prompt" && v is not null) fields[k] = v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
        return new PromptExample(p.GetValue<string>(), fields);
    });

    private static List<ChatMessage> Messages(JsonArray m, string where) => m.Select(x =>
    {
        var role = x?["role"]?.GetValue<string>() ?? throw new InvalidDataException($"{where}: every message needs a \"role\".");
        var content = x?["content"]?.GetValue<string>() ?? throw new InvalidDataException($"{where}: every message needs a \"content\".");
        return new ChatMessage(role, content);
    }).ToList();

    private static List<T> Read<T>(string path, Func<JsonObject, string, T> parse)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Dataset not found: {path}", path);
        var list = new List<T>();
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonObject o;
            try
            {
                o = JsonNode.Parse(text)?.AsObject() ?? throw new InvalidDataException($"{path}:{line}: expected a JSON object.");
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw new InvalidDataException($"{path}:{line}: not a JSON object ({e.Message}).");
            }
            list.Add(parse(o, $"{path}:{line}"));
        }
        if (list.Count == 0) throw new InvalidDataException($"{path} has no rows.");
        return list;
    }
}
