using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Services.Imports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>What an import did: how many items it added, or every reason it added none.</summary>
public sealed record ImportResult(int Imported, IReadOnlyList<ImportError> Errors, bool TooLarge = false)
{
    public bool Ok => Errors.Count == 0;
}

/// <summary>
/// Imports items all-or-nothing. The body is read as a stream within the import limits
/// (<see cref="ImportOptions"/>, shared with dataset imports), so an oversized upload or line is
/// refused after reading at most the limit; lines are parsed as they arrive and inserted in one
/// transaction only when every line is valid.
/// </summary>
public sealed class ImportService(IDbContextFactory<AppDbContext> dbs, ItemParser parser, TimeProvider clock, IOptions<ImportOptions> options,
    LabelingEvents? events = null)
{
    public enum Format { JsonLines, Csv }

    public async Task<ImportResult> ImportAsync(int projectId, Stream body, Format format, CancellationToken cancel = default)
    {
        await RequireOpenProjectAsync(projectId, cancel);
        var limits = options.Value;
        using var reader = ImportReader.Open(body, limits);
        var items = new List<ParsedItem>();
        var errors = new List<ImportError>();
        try
        {
            if (format == Format.JsonLines) await ParseJsonLinesAsync(reader, items, errors, cancel);
            else await ParseCsvAsync(reader, items, errors);
        }
        catch (ImportTooLargeException e)
        {
            return new ImportResult(0, [new ImportError(0, e.Message)], TooLarge: true);
        }
        catch (FormatException e) when (format == Format.Csv)
        {
            errors.Add(new ImportError(0, e.Message));
        }
        if (errors.Count == 0 && items.Count == 0) errors.Add(new ImportError(0, "The file holds no items."));
        if (errors.Count > 0) return new ImportResult(0, errors);
        await InsertAsync(projectId, items, cancel);
        // Every way items arrive (file, API, generation, blind review, a label loop's round) comes through here: labelers
        // whose queue was empty take the new items at once, and the project page's counts move.
        events?.Publish(projectId);
        return new ImportResult(items.Count, []);
    }

    /// <summary>
    /// Imports items the app made itself (generation, blind review, a label loop's round, the demo), one JSON object per
    /// item with a file's fields: they are read as the lines of a JSON Lines file, under the same checks and limits.
    /// </summary>
    public async Task<ImportResult> ImportAsync(int projectId, IEnumerable<JsonObject> items, CancellationToken cancel = default)
    {
        using var body = new MemoryStream();
        foreach (var item in items)
        {
            using (var writer = new Utf8JsonWriter(body)) item.WriteTo(writer);
            body.WriteByte((byte)'\n');
        }
        body.Position = 0;
        return await ImportAsync(projectId, body, Format.JsonLines, cancel);
    }

    private async Task ParseJsonLinesAsync(TextReader reader, List<ParsedItem> items, List<ImportError> errors, CancellationToken cancel)
    {
        var limits = options.Value;
        await foreach (var (line, text) in ImportReader.LinesAsync(reader, limits.MaxLineChars, cancel))
        {
            if (text is null)
            {
                errors.Add(new ImportError(line, $"Line is longer than {limits.MaxLineChars:N0} characters (Imports:MaxLineChars); shorten it or split the item."));
            }
            else if (text.Trim().Length > 0)
            {
                try { items.Add(parser.ParseJsonLine(text)); }
                catch (FormatException e) { errors.Add(new ImportError(line, e.Message)); }
            }
            if (errors.Count >= limits.MaxReportedErrors) return;
        }
    }

    private async Task ParseCsvAsync(TextReader reader, List<ParsedItem> items, List<ImportError> errors)
    {
        List<string>? header = null;
        await foreach (var (line, fields) in CsvReader.ReadAsync(reader, options.Value.MaxLineChars))
        {
            if (header is null)
            {
                header = fields.Select(h => h.Trim().ToLowerInvariant()).ToList();
                bool ours = header.Contains("prompt") && header.Contains("response_a") && header.Contains("response_b");
                bool trl = header.Contains("chosen") && header.Contains("rejected");
                if (!ours && !trl)
                {
                    errors.Add(new ImportError(line, $"The header must name prompt, response_a, response_b (or prompt, chosen, rejected); found: {string.Join(", ", header)}."));
                    return;
                }
                continue;
            }
            if (fields.Count != header.Count)
            {
                errors.Add(new ImportError(line, $"Expected {header.Count} fields as in the header; found {fields.Count}."));
            }
            else
            {
                var row = header.Zip(fields).ToDictionary(p => p.First, p => p.Second);
                try { items.Add(parser.ParseCsvRow(row)); }
                catch (FormatException e) { errors.Add(new ImportError(line, e.Message)); }
            }
            if (errors.Count >= options.Value.MaxReportedErrors) return;
        }
    }

    /// <summary>
    /// Items go only into a project that exists and is not archived (an archived project hands out nothing, so items
    /// added there would wait unseen): a 409 naming who archived it, checked before a file is read or a generation runs.
    /// </summary>
    public async Task RequireOpenProjectAsync(int projectId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var project = await db.Projects.Where(p => p.Id == projectId)
            .Select(p => new { p.Name, Archived = p.ArchivedAt != null, By = db.Users.Where(u => u.Id == p.ArchivedById).Select(u => u.Email).FirstOrDefault() })
            .SingleOrDefaultAsync(cancel) ?? throw new InputException("project", $"No project with id {projectId}.");
        if (project.Archived)
            throw new InputException("project",
                $"Project “{project.Name}” was archived{(project.By is null ? "" : $" by {project.By}")}; restore it before adding items. Nothing was added.",
                isConflict: true);
    }

    private async Task InsertAsync(int projectId, List<ParsedItem> items, CancellationToken cancel)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = items.Select(item => new Item
        {
            ProjectId = projectId, ExternalId = item.ExternalId, PromptText = item.PromptText, PromptMessagesJson = item.PromptMessagesJson,
            ResponseA = item.ResponseA, ResponseB = item.ResponseB, ModelA = item.ModelA, ModelB = item.ModelB,
            Gold = item.Gold, IsGold = item.Gold is not null, SlotsTaken = 0, LabelCount = 0, IsOpen = true, CreatedAt = now,
        }).ToList();
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await db.InTransactionAsync(null, c => db.BulkInsertAsync(rows, c), cancel);
    }
}
