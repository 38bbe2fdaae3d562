using System.Text.Json;
using System.Text.Json.Nodes;

namespace LabelAndAlign.Web.Services.Datasets;

/// <summary>
/// TRL's dataset kinds, recognised from the fields of a JSON Lines row (see
/// alignment-reference.md, "Dataset formats"). Conversational rows (lists of role/content
/// messages in place of strings) are the same kind as their standard form.
/// </summary>
public static class DatasetKind
{
    public const string LanguageModeling = "language_modeling";
    public const string PromptCompletion = "prompt_completion";
    public const string Preference = "preference";
    public const string ImplicitPreference = "implicit_preference";
    public const string UnpairedPreference = "unpaired_preference";
    public const string PromptOnly = "prompt_only";

    public static IReadOnlyList<string> All { get; } =
        [LanguageModeling, PromptCompletion, Preference, ImplicitPreference, UnpairedPreference, PromptOnly];

    /// <summary>Human label for lists and badges.</summary>
    public static string Describe(string kind) => kind switch
    {
        LanguageModeling => "Language modelling",
        PromptCompletion => "Prompt–completion",
        Preference => "Preference (explicit prompt)",
        ImplicitPreference => "Preference (implicit prompt)",
        UnpairedPreference => "Unpaired preference",
        PromptOnly => "Prompt only",
        _ => kind,
    };

    /// <summary>The kinds each algorithm can train on.</summary>
    public static IReadOnlyList<string> AcceptedBy(string algorithm) => algorithm switch
    {
        "sft" => [LanguageModeling, PromptCompletion],
        "reward" or "dpo" => [Preference, ImplicitPreference],
        "ppo" or "grpo" => [PromptOnly, PromptCompletion, Preference],
        _ => [],
    };

    /// <summary>The kind of one row, or an error message naming the field at fault.</summary>
    public static (string? Kind, string? Error) Detect(JsonObject row)
    {
        bool Has(string f) => row.ContainsKey(f) && row[f] is not null;
        string? error =
            Check(row, "text", Text) ?? Check(row, "messages", Messages) ?? Check(row, "prompt", TextOrMessages)
            ?? Check(row, "completion", TextOrMessages) ?? Check(row, "chosen", TextOrMessages)
            ?? Check(row, "rejected", TextOrMessages) ?? Check(row, "label", Bool) ?? Check(row, "margin", Number);
        if (error is not null) return (null, error);

        if (Has("chosen") || Has("rejected"))
        {
            if (!Has("chosen") || !Has("rejected")) return (null, $"a preference row needs both \"chosen\" and \"rejected\"; this one has only \"{(Has("chosen") ? "chosen" : "rejected")}\".");
            return (Has("prompt") ? Preference : ImplicitPreference, null);
        }
        if (Has("prompt") && Has("completion")) return (Has("label") ? UnpairedPreference : PromptCompletion, null);
        if (Has("completion")) return (null, "\"completion\" needs a \"prompt\" beside it.");
        if (Has("text") || Has("messages")) return (LanguageModeling, null);
        if (Has("prompt")) return (PromptOnly, null);
        return (null, "no TRL fields found; expected \"text\", \"messages\", \"prompt\"+\"completion\", \"prompt\"+\"chosen\"+\"rejected\", \"chosen\"+\"rejected\", \"prompt\"+\"completion\"+\"label\" or \"prompt\".");
    }

    private static string? Check(JsonObject row, string field, Func<JsonNode, bool> ok) =>
        row[field] is { } v && !ok(v) ? $"\"{field}\" has the wrong type ({v.GetValueKind().ToString().ToLowerInvariant()}); {Expected(field)}." : null;

    private static string Expected(string field) => field switch
    {
        "text" => "expected a string",
        "messages" => "expected a list of {\"role\", \"content\"} messages",
        "label" => "expected true or false",
        "margin" => "expected a number",
        _ => "expected a string or a list of {\"role\", \"content\"} messages",
    };

    private static bool Text(JsonNode v) => v.GetValueKind() == JsonValueKind.String;
    private static bool Bool(JsonNode v) => v.GetValueKind() is JsonValueKind.True or JsonValueKind.False;
    private static bool Number(JsonNode v) => v.GetValueKind() == JsonValueKind.Number;
    private static bool TextOrMessages(JsonNode v) => Text(v) || Messages(v);

    private static bool Messages(JsonNode v) =>
        v is JsonArray a && a.All(m => m is JsonObject o && o["role"]?.GetValueKind() == JsonValueKind.String && o["content"]?.GetValueKind() == JsonValueKind.String);
}
