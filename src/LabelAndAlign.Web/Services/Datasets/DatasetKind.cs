using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;

namespace LabelAndAlign.Web.Services.Datasets;

/// <summary>A field that rows of a dataset had but its kind does not read, and on how many rows.</summary>
public sealed record IgnoredField(string Field, int Rows);

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

    /// <summary>The fields a kind reads; anything else on a row is carried along but never trained on.</summary>
    public static IReadOnlyList<string> FieldsOf(string kind) => kind switch
    {
        LanguageModeling => ["text", "messages"],
        PromptCompletion => ["prompt", "completion"],
        Preference => ["prompt", "chosen", "rejected", "margin"],
        ImplicitPreference => ["chosen", "rejected", "margin"],
        UnpairedPreference => ["prompt", "completion", "label"],
        PromptOnly => ["prompt"],
        _ => [],
    };

    /// <summary>The row's fields (with a value) that its kind does not read.</summary>
    public static IEnumerable<string> Ignored(JsonObject row, string kind) =>
        row.Where(p => p.Value is not null && !FieldsOf(kind).Contains(p.Key, StringComparer.Ordinal)).Select(p => p.Key);

    /// <summary>
    /// "Imported N rows as …", and which fields were left out of training; for rows in our labeling
    /// item format (prompt, response_a, response_b), where they belong instead.
    /// </summary>
    public static string Notice(string kind, int rows, IReadOnlyList<IgnoredField> ignored)
    {
        string detected = $"Imported {rows:N0} row{(rows == 1 ? "" : "s")} as {Describe(kind).ToLowerInvariant()} (from its fields: {string.Join(", ", FieldsOf(kind))}).";
        if (ignored.Count == 0) return detected;
        string left = $" Not used for training: {string.Join(", ", ignored.Select(f => $"{f.Field} ({f.Rows:N0} row{(f.Rows == 1 ? "" : "s")})"))}.";
        bool labelingItems = ignored.Any(f => f.Field is "response_a" or "response_b");
        return detected + left + (labelingItems
            ? " Rows with response_a and response_b are labeling items: import them into a labeling project to be judged, then train on its snapshot."
            : "");
    }

    /// <summary>The kinds each algorithm can train on (what <see cref="DatasetRows.Parse"/> reads for it); online DPO samples its pairs from prompts, as PPO does.</summary>
    public static IReadOnlyList<string> AcceptedBy(Algorithm algorithm, bool online = false) => algorithm switch
    {
        Algorithm.Sft => [LanguageModeling, PromptCompletion],
        Algorithm.Dpo when online => [PromptOnly, PromptCompletion, Preference],
        Algorithm.Reward or Algorithm.Dpo => [Preference, ImplicitPreference],
        _ => [PromptOnly, PromptCompletion, Preference],
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
