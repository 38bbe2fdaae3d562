using System.Text;
using System.Text.Json;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Services.Imports;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>An item ready to insert, parsed from one import line or CSV row.</summary>
public sealed record ParsedItem(string? ExternalId, string PromptText, string? PromptMessagesJson,
    string ResponseA, string ResponseB, string? ModelA, string? ModelB, string? Gold);

/// <summary>
/// Turns import records into items. Two shapes are accepted: our item format
/// (<c>prompt</c>, <c>response_a</c>, <c>response_b</c>, optional <c>id</c>, <c>model_a</c>,
/// <c>model_b</c>, <c>gold</c>) and TRL preference rows (<c>prompt</c>?, <c>chosen</c>,
/// <c>rejected</c>; text or conversational), which become gold items with chosen placed at a
/// random side so that "a" does not always win.
/// </summary>
public sealed class ItemParser(LabelingRandom random)
{
    public const int MaxFieldLength = 200_000;

    /// <summary>Parses one JSON line; throws <see cref="FormatException"/> with the reason.</summary>
    public ParsedItem ParseJsonLine(string line)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"Each line must be a JSON object; found {root.ValueKind}.");
            var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var p in root.EnumerateObject()) fields[p.Name] = p.Value.Clone();
            try
            {
                return WithoutNul(FromFields(fields));
            }
            catch (InvalidOperationException)
            {
                // JsonElement.GetString on an escape that is not valid Unicode.
                throw new FormatException(char.ToUpperInvariant(JsonText.UnpairedSurrogate[0]) + JsonText.UnpairedSurrogate[1..]);
            }
        }
    }

    /// <summary>Parses a CSV row given as header → value (strings only; a prompt is text).</summary>
    public ParsedItem ParseCsvRow(IReadOnlyDictionary<string, string> row)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (k, v) in row)
            if (!string.IsNullOrEmpty(v)) fields[k.Trim().ToLowerInvariant()] = JsonSerializer.SerializeToElement(v);
        return WithoutNul(FromFields(fields));
    }

    private ParsedItem FromFields(Dictionary<string, JsonElement> f)
    {
        if (f.ContainsKey("chosen") || f.ContainsKey("rejected")) return FromTrl(f);
        if (!f.ContainsKey("response_a") && !f.ContainsKey("response_b"))
            throw new FormatException("Expected our item fields (prompt, response_a, response_b) or TRL preference fields (prompt, chosen, rejected).");
        var (promptText, promptJson) = Prompt(f, required: true);
        string a = ResponseText(f, "response_a"), b = ResponseText(f, "response_b");
        string? gold = OptionalString(f, "gold")?.Trim().ToLowerInvariant();
        if (gold is not null && !Choices.All.Contains(gold))
            throw new FormatException($"'gold' must be one of a, b, tie, both_bad; found '{gold}'.");
        return new ParsedItem(ExternalId(f), promptText, promptJson, a, b, OptionalString(f, "model_a"), OptionalString(f, "model_b"), gold);
    }

    private ParsedItem FromTrl(Dictionary<string, JsonElement> f)
    {
        if (!f.ContainsKey("chosen")) throw new FormatException("TRL preference row has 'rejected' but no 'chosen'.");
        if (!f.ContainsKey("rejected")) throw new FormatException("TRL preference row has 'chosen' but no 'rejected'.");
        string promptText, chosen, rejected;
        string? promptJson;
        if (f.ContainsKey("prompt"))
        {
            (promptText, promptJson) = Prompt(f, required: true);
            chosen = ResponseText(f, "chosen");
            rejected = ResponseText(f, "rejected");
        }
        else if (f["chosen"].ValueKind == JsonValueKind.Array)
        {
            // Implicit conversational: the shared messages before the last are the prompt.
            var c = Messages(f["chosen"], "chosen");
            var r = Messages(f["rejected"], "rejected");
            if (c.Count < 2 || r.Count < 2) throw new FormatException("Implicit-prompt conversations need the prompt messages followed by the answer in both 'chosen' and 'rejected'.");
            var prompt = c.Take(c.Count - 1).ToList();
            promptJson = JsonSerializer.Serialize(prompt.Select(m => new { role = m.Role, content = m.Content }));
            promptText = RenderMessages(prompt);
            chosen = c[^1].Content;
            rejected = r[^1].Content;
        }
        else
        {
            // Implicit text prompt: the longest common prefix, cut back to a word boundary.
            string c = ResponseText(f, "chosen"), r = ResponseText(f, "rejected");
            int n = 0;
            while (n < c.Length && n < r.Length && c[n] == r[n]) n++;
            while (n > 0 && !char.IsWhiteSpace(c[n - 1])) n--;
            promptText = c[..n].TrimEnd();
            promptJson = null;
            chosen = c[n..];
            rejected = r[n..];
            if (chosen.Length == 0 || rejected.Length == 0) throw new FormatException("'chosen' and 'rejected' are identical after their shared prompt.");
        }
        bool chosenIsA = random.NextBool();
        return new ParsedItem(ExternalId(f), promptText, promptJson,
            chosenIsA ? chosen : rejected, chosenIsA ? rejected : chosen, null, null, chosenIsA ? Choices.A : Choices.B);
    }

    private static string? ExternalId(Dictionary<string, JsonElement> f)
    {
        if (!f.TryGetValue("id", out var id) || id.ValueKind == JsonValueKind.Null) return null;
        string value = id.ValueKind switch
        {
            JsonValueKind.String => id.GetString()!,
            JsonValueKind.Number => id.GetRawText(),
            _ => throw new FormatException($"'id' must be a string or number; found {id.ValueKind}."),
        };
        if (value.Length > 200) throw new FormatException($"'id' must have at most 200 characters; it has {value.Length}.");
        return value;
    }

    private static (string Text, string? Json) Prompt(Dictionary<string, JsonElement> f, bool required)
    {
        if (!f.TryGetValue("prompt", out var p) || p.ValueKind == JsonValueKind.Null)
            return required ? throw new FormatException("'prompt' is required.") : ("", null);
        if (p.ValueKind == JsonValueKind.String)
        {
            string text = p.GetString()!;
            if (text.Trim().Length == 0) throw new FormatException("'prompt' is empty.");
            CheckLength("prompt", text);
            return (text, null);
        }
        if (p.ValueKind == JsonValueKind.Array)
        {
            var messages = Messages(p, "prompt");
            if (messages.Count == 0) throw new FormatException("'prompt' has no messages.");
            string json = JsonSerializer.Serialize(messages.Select(m => new { role = m.Role, content = m.Content }));
            CheckLength("prompt", json);
            return (RenderMessages(messages), json);
        }
        throw new FormatException($"'prompt' must be text or a list of {{role, content}} messages; found {p.ValueKind}.");
    }

    private sealed record Message(string Role, string Content);

    private static List<Message> Messages(JsonElement array, string field)
    {
        if (array.ValueKind != JsonValueKind.Array) throw new FormatException($"'{field}' must be a list of {{role, content}} messages.");
        var list = new List<Message>();
        int i = 0;
        foreach (var m in array.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                || !m.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                throw new FormatException($"'{field}[{i}]' must be an object with string 'role' and 'content'.");
            list.Add(new Message(role.GetString()!, content.GetString()!));
            i++;
        }
        return list;
    }

    private static string RenderMessages(IEnumerable<Message> messages)
    {
        var sb = new StringBuilder();
        foreach (var m in messages)
        {
            if (sb.Length > 0) sb.Append("\n\n");
            sb.Append("**").Append(m.Role).Append(":** ").Append(m.Content);
        }
        return sb.ToString();
    }

    private static string ResponseText(Dictionary<string, JsonElement> f, string field)
    {
        if (!f.TryGetValue(field, out var v) || v.ValueKind == JsonValueKind.Null) throw new FormatException($"'{field}' is required.");
        string text = v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!,
            // A conversational response: the assistant's message(s).
            JsonValueKind.Array => string.Join("\n\n", Messages(v, field).Select(m => m.Content)),
            _ => throw new FormatException($"'{field}' must be text or a list of messages; found {v.ValueKind}."),
        };
        if (text.Trim().Length == 0) throw new FormatException($"'{field}' is empty.");
        CheckLength(field, text);
        return text;
    }

    private static string? OptionalString(Dictionary<string, JsonElement> f, string field)
    {
        if (!f.TryGetValue(field, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String) throw new FormatException($"'{field}' must be a string; found {v.ValueKind}.");
        string s = v.GetString()!;
        if (s.Length > 200) throw new FormatException($"'{field}' must have at most 200 characters; it has {s.Length}.");
        return s.Length == 0 ? null : s;
    }

    /// <summary>PostgreSQL cannot store U+0000 in text, so no item may hold it on either provider.</summary>
    private static ParsedItem WithoutNul(ParsedItem item)
    {
        foreach (var (field, text) in new[] { ("id", item.ExternalId), ("prompt", item.PromptText), ("prompt", item.PromptMessagesJson),
                     ("response_a", item.ResponseA), ("response_b", item.ResponseB), ("model_a", item.ModelA), ("model_b", item.ModelB) })
            if (text is not null && text.Contains('\0'))
                throw new FormatException($"'{field}' contains the NUL character (\\u0000), which cannot be stored; remove it.");
        return item;
    }

    private static void CheckLength(string field, string text)
    {
        if (text.Length > MaxFieldLength) throw new FormatException($"'{field}' has {text.Length} characters; the limit is {MaxFieldLength}.");
    }
}
