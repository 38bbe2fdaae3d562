using System.Globalization;
using System.Text.Json;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>How many labels, and whose (emails, sorted), stand behind a preference export's rows.</summary>
public sealed record ExportedLabels(int LabelCount, IReadOnlyList<string> Labelers);

/// <summary>
/// JSON Lines exports. Preference formats (TRL field names): one row per item whose outcome is
/// "a" or "b" — a lead's verdict if there is one, otherwise the strict plurality of the votes;
/// ties, both-bad and undecided items are left out. <c>votes</c>: every label, choice against
/// the item's own a/b, with the side that was shown on the left.
/// </summary>
public sealed class ExportService(AppDbContext db)
{
    private static readonly ReadOnlyMemory<byte> NewLine = new[] { (byte)'\n' };

    public static readonly string[] Formats = ["trl", "trl-implicit", "trl-conversational", "votes"];

    /// <summary>The item's outcome: the verdict when set, else the unique most-voted choice; null when undecided.</summary>
    public static string? Resolve(string? verdict, IEnumerable<string> choices)
    {
        if (verdict is not null) return verdict;
        var counts = choices.GroupBy(c => c).Select(g => (Choice: g.Key, Count: g.Count())).OrderByDescending(g => g.Count).ToList();
        if (counts.Count == 0) return null;
        if (counts.Count > 1 && counts[1].Count == counts[0].Count) return null;
        return counts[0].Choice;
    }

    public async Task WriteAsync(int projectId, string format, Stream output, CancellationToken cancel = default)
    {
        if (!Formats.Contains(format)) throw new InputException("format", $"Format must be one of {string.Join(", ", Formats)}; found '{format}'.");
        if (format != "votes")
        {
            await WritePreferencesAsync(projectId, format, output, cancel);
            return;
        }
        await using var sql = await Sql.OpenReadAsync(db, cancel);
        await using var writer = Writer(output);
        await WriteVotesAsync(sql, projectId, output, writer, cancel);
    }

    /// <summary>
    /// Writes the preference rows (any format but <c>votes</c>) and says which labels stand behind
    /// them: the labels of exactly the items written, as the same read that chose the rows saw them.
    /// </summary>
    public async Task<ExportedLabels> WritePreferencesAsync(int projectId, string format, Stream output, CancellationToken cancel = default)
    {
        if (format == "votes" || !Formats.Contains(format))
            throw new InputException("format", $"Preference format must be one of {string.Join(", ", Formats.Where(f => f != "votes"))}; found '{format}'.");
        await using var sql = await Sql.OpenReadAsync(db, cancel);
        await using var writer = Writer(output);
        return await WritePreferencesAsync(sql, projectId, format, output, writer, cancel);
    }

    private static Utf8JsonWriter Writer(Stream output) =>
        new(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static async Task WriteVotesAsync(Sql sql, int projectId, Stream output, Utf8JsonWriter w, CancellationToken cancel)
    {
        await using var cmd = sql.Command("""
            SELECT l.ItemId, i.ExternalId, u.Email, l.Choice, l.ShownLeft, l.Seconds, l.CreatedAt, l.Strength, l.RatingsJson, l.Rationale
            FROM labels l JOIN items i ON i.Id = l.ItemId JOIN users u ON u.Id = l.LabelerId
            WHERE l.ProjectId = $p ORDER BY l.Id;
            """, ("$p", projectId));
        await using var r = await cmd.ExecuteReaderAsync(cancel);
        while (await r.ReadAsync(cancel))
        {
            w.WriteStartObject();
            w.WriteNumber("item_id", r.GetInt64(0));
            if (r.IsDBNull(1)) w.WriteNull("external_id"); else w.WriteString("external_id", r.GetString(1));
            w.WriteString("labeler", r.GetString(2));
            w.WriteString("choice", r.GetString(3));
            w.WriteString("shown_left", r.GetString(4));
            w.WriteNumber("seconds", r.GetDouble(5));
            w.WriteString("created_at", DateTime.SpecifyKind(r.GetDateTime(6), DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture));
            if (r.IsDBNull(7)) w.WriteNull("strength"); else w.WriteNumber("strength", r.GetInt32(7));
            if (!r.IsDBNull(8)) { w.WritePropertyName("ratings"); w.WriteRawValue(r.GetString(8)); }
            if (!r.IsDBNull(9)) w.WriteString("rationale", r.GetString(9));
            w.WriteEndObject();
            await EndLineAsync(w, output, cancel);
        }
    }

    private static async Task<ExportedLabels> WritePreferencesAsync(Sql sql, int projectId, string format, Stream output, Utf8JsonWriter w, CancellationToken cancel)
    {
        // One statement reads every verdict and vote, so which items become rows and which labels
        // stand behind them come from the same state of the database even while labels arrive.
        var items = new Dictionary<long, (string? Verdict, List<string> Choices, List<string> Labelers)>();
        await using (var cmd = sql.Command("""
            SELECT i.Id, i.Verdict, l.Choice, u.Email
            FROM items i
            LEFT JOIN labels l ON l.ProjectId = i.ProjectId AND l.ItemId = i.Id
            LEFT JOIN users u ON u.Id = l.LabelerId
            WHERE i.ProjectId = $p AND (i.LabelCount > 0 OR i.Verdict IS NOT NULL);
            """, ("$p", projectId)))
        await using (var r = await cmd.ExecuteReaderAsync(cancel))
            while (await r.ReadAsync(cancel))
            {
                long id = r.GetInt64(0);
                if (!items.TryGetValue(id, out var item)) items[id] = item = (r.IsDBNull(1) ? null : r.GetString(1), [], []);
                if (r.IsDBNull(2)) continue;
                item.Choices.Add(r.GetString(2));
                item.Labelers.Add(r.GetString(3));
            }
        var resolved = new Dictionary<long, (string Outcome, List<string> Labelers)>();
        foreach (var (id, item) in items)
        {
            string? outcome = Resolve(item.Verdict, item.Choices);
            if (outcome is Choices.A or Choices.B) resolved[id] = (outcome, item.Labelers);
        }
        if (resolved.Count == 0) return new ExportedLabels(0, []);

        // Then the texts of exactly those items, streamed in id order.
        await using var texts = sql.Command("""
            SELECT Id, PromptText, PromptMessagesJson, ResponseA, ResponseB FROM items
            WHERE Id IN (SELECT value FROM json_each($ids)) ORDER BY Id;
            """, ("$ids", JsonSerializer.Serialize(resolved.Keys)));
        await using var rows = await texts.ExecuteReaderAsync(cancel);
        int labelCount = 0;
        var labelersBehind = new SortedSet<string>(StringComparer.Ordinal);
        while (await rows.ReadAsync(cancel))
        {
            var (outcome, labelers) = resolved[rows.GetInt64(0)];
            labelCount += labelers.Count;
            labelersBehind.UnionWith(labelers);
            string prompt = rows.GetString(1);
            string? messages = rows.IsDBNull(2) ? null : rows.GetString(2);
            string a = rows.GetString(3), b = rows.GetString(4);
            string chosen = outcome == Choices.A ? a : b, rejected = outcome == Choices.A ? b : a;
            w.WriteStartObject();
            switch (format)
            {
                case "trl":
                    w.WriteString("prompt", prompt);
                    w.WriteString("chosen", chosen);
                    w.WriteString("rejected", rejected);
                    break;
                case "trl-implicit":
                    w.WriteString("chosen", Join(prompt, chosen));
                    w.WriteString("rejected", Join(prompt, rejected));
                    break;
                default:
                    w.WritePropertyName("prompt");
                    if (messages is not null) w.WriteRawValue(messages);
                    else
                    {
                        w.WriteStartArray();
                        Message(w, "user", prompt);
                        w.WriteEndArray();
                    }
                    w.WritePropertyName("chosen");
                    w.WriteStartArray(); Message(w, "assistant", chosen); w.WriteEndArray();
                    w.WritePropertyName("rejected");
                    w.WriteStartArray(); Message(w, "assistant", rejected); w.WriteEndArray();
                    break;
            }
            w.WriteEndObject();
            await EndLineAsync(w, output, cancel);
        }
        return new ExportedLabels(labelCount, labelersBehind.ToList());
    }

    /// <summary>Prompt and response as one text; a blank line between them unless either already has whitespace there.</summary>
    public static string Join(string prompt, string response) =>
        prompt.Length == 0 || char.IsWhiteSpace(prompt[^1]) || (response.Length > 0 && char.IsWhiteSpace(response[0]))
            ? prompt + response
            : prompt + "\n\n" + response;

    private static void Message(Utf8JsonWriter w, string role, string content)
    {
        w.WriteStartObject();
        w.WriteString("role", role);
        w.WriteString("content", content);
        w.WriteEndObject();
    }

    private static async Task EndLineAsync(Utf8JsonWriter w, Stream output, CancellationToken cancel)
    {
        await w.FlushAsync(cancel);
        w.Reset();
        await output.WriteAsync(NewLine, cancel);
    }
}
