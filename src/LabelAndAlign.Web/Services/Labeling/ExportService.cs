using System.Globalization;
using System.Text.Json;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>How many labels, and whose (emails, sorted), stand behind a preference export's rows.</summary>
public sealed record ExportedLabels(int LabelCount, IReadOnlyList<string> Labelers);

/// <summary>
/// JSON Lines exports. Preference formats (TRL field names): one row per item whose outcome is
/// "a" or "b" — a lead's verdict if there is one, otherwise the strict plurality of the votes;
/// ties, both-bad and undecided items are left out. <c>votes</c>: every label (with the id the
/// API acknowledged it with), choice against the item's own a/b, with the side shown on the left.
/// Archived items are left out of the preference formats (and so of datasets frozen from now on; those frozen before
/// keep their rows); <c>votes</c> keeps every label, marking an archived item's with <c>"archived": true</c>.
/// </summary>
public sealed class ExportService(IDbContextFactory<AppDbContext> dbs)
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
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await using var writer = Writer(output);
        await WriteVotesAsync(db, projectId, output, writer, cancel);
    }

    /// <summary>
    /// Writes the preference rows (any format but <c>votes</c>) and says which labels stand behind
    /// them: the labels of exactly the items written, as the same read that chose the rows saw them.
    /// </summary>
    public async Task<ExportedLabels> WritePreferencesAsync(int projectId, string format, Stream output, CancellationToken cancel = default)
    {
        if (format == "votes" || !Formats.Contains(format))
            throw new InputException("format", $"Preference format must be one of {string.Join(", ", Formats.Where(f => f != "votes"))}; found '{format}'.");
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await using var writer = Writer(output);
        return await WritePreferencesAsync(db, projectId, format, output, writer, cancel);
    }

    private static Utf8JsonWriter Writer(Stream output) =>
        new(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static async Task WriteVotesAsync(AppDbContext db, int projectId, Stream output, Utf8JsonWriter w, CancellationToken cancel)
    {
        var votes = (
            from l in db.Labels
            join i in db.Items on l.ItemId equals i.Id
            join u in db.Users on l.LabelerId equals u.Id
            where l.ProjectId == projectId
            orderby l.Id
            select new { l.Id, l.ItemId, i.ExternalId, u.Email, l.Choice, l.ShownLeft, l.Seconds, l.CreatedAt, l.Strength, l.RatingsJson, l.Rationale, Archived = i.ArchivedAt != null })
            .AsNoTracking().AsAsyncEnumerable();
        await foreach (var r in votes.WithCancellation(cancel))
        {
            w.WriteStartObject();
            w.WriteNumber("label_id", r.Id);
            w.WriteNumber("item_id", r.ItemId);
            if (r.ExternalId is null) w.WriteNull("external_id"); else w.WriteString("external_id", r.ExternalId);
            w.WriteString("labeler", r.Email);
            w.WriteString("choice", r.Choice);
            w.WriteString("shown_left", r.ShownLeft);
            w.WriteNumber("seconds", r.Seconds);
            w.WriteString("created_at", DateTime.SpecifyKind(r.CreatedAt, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture));
            if (r.Strength is int strength) w.WriteNumber("strength", strength); else w.WriteNull("strength");
            if (r.RatingsJson is not null) { w.WritePropertyName("ratings"); w.WriteRawValue(r.RatingsJson); }
            if (r.Rationale is not null) w.WriteString("rationale", r.Rationale);
            if (r.Archived) w.WriteBoolean("archived", true);
            w.WriteEndObject();
            await EndLineAsync(w, output, cancel);
        }
    }

    private static async Task<ExportedLabels> WritePreferencesAsync(AppDbContext db, int projectId, string format, Stream output, Utf8JsonWriter w, CancellationToken cancel)
    {
        // One statement reads every verdict and vote, so which items become rows and which labels
        // stand behind them come from the same state of the database even while labels arrive.
        var items = new Dictionary<long, (string? Verdict, List<string> Choices, List<string> Labelers)>();
        var votes = (
            from i in db.Items
            where i.ProjectId == projectId && i.ArchivedAt == null && (i.LabelCount > 0 || i.Verdict != null)
            join l0 in db.Labels on new { i.ProjectId, ItemId = i.Id } equals new { l0.ProjectId, l0.ItemId } into labels
            from l in labels.DefaultIfEmpty()
            join u0 in db.Users on l!.LabelerId equals u0.Id into users
            from u in users.DefaultIfEmpty()
            select new { i.Id, i.Verdict, Choice = (string?)l!.Choice, Email = (string?)u!.Email })
            .AsNoTracking().AsAsyncEnumerable();
        await foreach (var r in votes.WithCancellation(cancel))
        {
            if (!items.TryGetValue(r.Id, out var item)) items[r.Id] = item = (r.Verdict, [], []);
            if (r.Choice is null) continue;
            item.Choices.Add(r.Choice);
            item.Labelers.Add(r.Email!);
        }
        var resolved = new Dictionary<long, (string Outcome, List<string> Labelers)>();
        foreach (var (id, item) in items)
        {
            string? outcome = Resolve(item.Verdict, item.Choices);
            if (outcome is Choices.A or Choices.B) resolved[id] = (outcome, item.Labelers);
        }
        if (resolved.Count == 0) return new ExportedLabels(0, []);

        // Then the texts of exactly those items, streamed in id order.
        var ids = resolved.Keys.ToList();
        var texts = db.Items.Where(i => ids.Contains(i.Id)).OrderBy(i => i.Id)
            .Select(i => new { i.Id, i.PromptText, i.PromptMessagesJson, i.ResponseA, i.ResponseB })
            .AsNoTracking().AsAsyncEnumerable();
        int labelCount = 0;
        var labelersBehind = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var row in texts.WithCancellation(cancel))
        {
            var (outcome, labelers) = resolved[row.Id];
            labelCount += labelers.Count;
            labelersBehind.UnionWith(labelers);
            string prompt = row.PromptText;
            string? messages = row.PromptMessagesJson;
            string a = row.ResponseA, b = row.ResponseB;
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
