using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using LabelAndAlign.Web.Services.Imports;

namespace LabelAndAlign.Web.Services.Datasets;

/// <summary>A dataset as lists and the API show it.</summary>
public sealed record DatasetSummary(int Id, string Name, string Kind, int Rows, bool BuiltIn, DateTime CreatedAt, string PreviewJson, DateTime? ArchivedAt = null);

/// <summary>
/// Imports TRL-format JSON Lines as frozen datasets (all rows or none), lists them, and keeps the
/// built-in task packs' corpora and prompt sets available as datasets.
/// </summary>
public sealed class DatasetService(IDbContextFactory<AppDbContext> dbs, TimeProvider clock, IOptions<ImportOptions> limits)
{
    public const int PreviewRows = 5;

    /// <summary>
    /// What an import did: the dataset, or every reason it made none (<see cref="TooLarge"/>: past
    /// the file limit). <see cref="Ignored"/> lists the fields of the rows that the detected kind
    /// does not use, with how many rows had each, and <see cref="Notice"/> says so in words.
    /// </summary>
    public sealed record ImportResult(Dataset? Dataset, IReadOnlyList<ImportError> Errors, IReadOnlyList<IgnoredField> Ignored, bool TooLarge = false)
    {
        public bool Ok => Dataset is not null;

        /// <summary>What was detected and what was left out, for the person who uploaded it.</summary>
        public string? Notice => Dataset is null ? null : DatasetKind.Notice(Dataset.Kind, Dataset.RowCount, Ignored);
    }

    /// <summary>Reads every line; imports nothing unless all are valid rows of one kind.</summary>
    public async Task<ImportResult> ImportAsync(string? name, Stream jsonl, int? userId, CancellationToken cancel = default) =>
        await ImportAsync(name, jsonl, userId, $"import:{Guid.NewGuid():N}", cancel);

    /// <summary>
    /// Freezes a labeling project's current preferences (TRL explicit-prompt pairs, ties and
    /// unresolved items left out, as the project's export does) into a new dataset, so a run
    /// trains on exactly the labels that existed at launch.
    /// </summary>
    public async Task<Dataset> SnapshotProjectAsync(int projectId, Labeling.ExportService exports, int? userId, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == projectId, cancel)
            ?? throw new InputException("source.projectId", $"No labeling project with id {projectId}.");
        using var buffer = new MemoryStream();
        // Lineage: the labels behind exactly the exported rows, read together with them.
        var behind = await exports.WritePreferencesAsync(projectId, "trl", buffer, cancel);
        if (buffer.Length == 0)
            throw new InputException("source.projectId", $"Project '{project.Name}' has no resolved preference pairs yet; label some items first.");
        buffer.Position = 0;
        var now = clock.GetUtcNow().UtcDateTime;
        var result = await ImportAsync($"{project.Name} · snapshot {now:yyyy-MM-dd HH:mm:ss}", buffer, userId, $"snapshot:project-{projectId}:{Guid.NewGuid():N}", cancel);
        var dataset = result.Dataset ?? throw new InputException("source.projectId",
            $"Project '{project.Name}' exported rows the dataset import refused: {string.Join("; ", result.Errors.Take(3).Select(e => $"line {e.Line}: {e.Message}"))}");
        int labelCount = behind.LabelCount;
        string labelersJson = JsonSerializer.Serialize(behind.Labelers);
        await db.Datasets.Where(d => d.Id == dataset.Id).ExecuteUpdateAsync(u => u
            .SetProperty(d => d.SourceProjectId, projectId)
            .SetProperty(d => d.SourceLabelCount, labelCount)
            .SetProperty(d => d.SourceLabelersJson, labelersJson), cancel);
        dataset.SourceProjectId = projectId;
        dataset.SourceLabelCount = labelCount;
        dataset.SourceLabelersJson = labelersJson;
        return dataset;
    }

    private async Task<ImportResult> ImportAsync(string? name, Stream jsonl, int? userId, string source, CancellationToken cancel)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new InputException("name", "Give the dataset a name (?name=…).");
        name = name.Trim();
        if (name.Length > 200) throw new InputException("name", $"The name is {name.Length} characters; keep it to 200.");

        var rows = new List<(int Line, string Json)>();
        var errors = new List<ImportError>();
        var ignored = new Dictionary<string, int>(StringComparer.Ordinal);
        string? kind = null;
        int kindLine = 0, lines = 0;
        var o = limits.Value;
        using var reader = ImportReader.Open(jsonl, o);
        try
        {
            await foreach (var (line, text) in ImportReader.LinesAsync(reader, o.MaxLineChars, cancel))
            {
                lines = line;
                if (errors.Count >= o.MaxReportedErrors) break;
                if (text is null)
                {
                    errors.Add(new ImportError(line, $"the line is longer than {o.MaxLineChars:N0} characters (Imports:MaxLineChars); shorten it or split the row."));
                    continue;
                }
                if (string.IsNullOrWhiteSpace(text)) continue;
                var (row, error) = ParseRow(text);
                if (error is not null)
                {
                    errors.Add(new ImportError(line, error));
                    continue;
                }
                var (rowKind, kindError) = DatasetKind.Detect(row!);
                if (kindError is not null)
                {
                    errors.Add(new ImportError(line, kindError));
                    continue;
                }
                if (kind is null)
                {
                    kind = rowKind;
                    kindLine = line;
                }
                else if (rowKind != kind)
                {
                    errors.Add(new ImportError(line, $"this row is {DatasetKind.Describe(rowKind!).ToLowerInvariant()} but line {kindLine} is {DatasetKind.Describe(kind).ToLowerInvariant()}; a dataset holds one kind."));
                    continue;
                }
                foreach (string field in DatasetKind.Ignored(row!, kind!)) ignored[field] = ignored.GetValueOrDefault(field) + 1;
                rows.Add((line, row!.ToJsonString()));
            }
        }
        catch (ImportTooLargeException e)
        {
            return new ImportResult(null, [new ImportError(0, e.Message)], [], TooLarge: true);
        }
        if (errors.Count == 0 && rows.Count == 0) errors.Add(new ImportError(Math.Max(1, lines), "the file has no rows."));
        if (errors.Count > 0) return new ImportResult(null, errors, []);

        var dataset = await SaveAsync(name, kind!, source, rows, userId, cancel);
        return new ImportResult(dataset, [], ignored.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => new IgnoredField(f.Key, f.Value)).ToList());
    }

    /// <summary>One JSON object, or why the line is not one (bad JSON, or text that is not valid Unicode).</summary>
    private static (JsonObject? Row, string? Error) ParseRow(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is not JsonObject row) return (null, "expected a JSON object, one per line.");
            // Writing it back out reads every string, which finds an escape that is not valid Unicode.
            _ = row.ToJsonString();
            return (row, null);
        }
        catch (JsonException e)
        {
            return (null, $"not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException)
        {
            return (null, JsonText.UnpairedSurrogate);
        }
        catch (ArgumentException)
        {
            return (null, JsonText.UnpairedSurrogate);
        }
    }

    private async Task<Dataset> SaveAsync(string name, string kind, string source, List<(int Line, string Json)> rows, int? userId, CancellationToken cancel)
    {
        var dataset = new Dataset
        {
            Name = name, Kind = kind, RowCount = rows.Count, PreviewJson = DatasetPreview.Of(rows.Take(PreviewRows).Select(r => r.Json)), Source = source,
            CreatedById = userId, CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        // Rows go in as one bulk insert (EF's change tracker is slow for 100k rows), in the dataset's transaction.
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await db.InTransactionAsync(null, async c =>
        {
            db.Datasets.Add(dataset);
            await db.SaveChangesAsync(c);
            await db.BulkInsertAsync(rows.Select(r => new DatasetRow { DatasetId = dataset.Id, Line = r.Line, Json = r.Json }).ToList(), c);
        }, cancel);
        return dataset;
    }

    /// <summary>Every dataset, newest first; archived ones only with <paramref name="archived"/>.</summary>
    public async Task<IReadOnlyList<DatasetSummary>> ListAsync(bool archived = false, CancellationToken cancel = default)
    {
        await EnsureBuiltInAsync(cancel);
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var list = await db.Datasets.AsNoTracking().Where(d => archived || d.ArchivedAt == null).OrderByDescending(d => d.Id).ToListAsync(cancel);
        return list.Select(Summarize).ToList();
    }

    /// <summary>
    /// One page of datasets, filtered and sorted in the database: by kind and a search of the name (or "#id"); sorted
    /// by name, kind, rows or when added (newest first when unsorted).
    /// </summary>
    public async Task<PageOf<DatasetSummary>> PageAsync(PageRequest page, string? kind = null, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await EnsureBuiltInAsync(cancel);
        var datasets = db.Datasets.AsNoTracking();
        if (!page.Archived) datasets = datasets.Where(d => d.ArchivedAt == null);
        if (!string.IsNullOrEmpty(kind)) datasets = datasets.Where(d => d.Kind == kind);
        if (page.Pattern is { } pattern)
        {
            int id = page.Id ?? 0;
            datasets = datasets.Where(d => TextSearch.Matches(d.Name, pattern) || d.Id == id);
        }
        int total = await datasets.CountAsync(cancel);
        datasets = (page.SortBy, page.Descending) switch
        {
            (nameof(DatasetSummary.Name), false) => datasets.OrderBy(d => d.Name).ThenByDescending(d => d.Id),
            (nameof(DatasetSummary.Name), true) => datasets.OrderByDescending(d => d.Name).ThenByDescending(d => d.Id),
            (nameof(DatasetSummary.Kind), false) => datasets.OrderBy(d => d.Kind).ThenByDescending(d => d.Id),
            (nameof(DatasetSummary.Kind), true) => datasets.OrderByDescending(d => d.Kind).ThenByDescending(d => d.Id),
            (nameof(DatasetSummary.Rows), false) => datasets.OrderBy(d => d.RowCount).ThenByDescending(d => d.Id),
            (nameof(DatasetSummary.Rows), true) => datasets.OrderByDescending(d => d.RowCount).ThenByDescending(d => d.Id),
            (nameof(DatasetSummary.CreatedAt), false) => datasets.OrderBy(d => d.Id),
            _ => datasets.OrderByDescending(d => d.Id),
        };
        var rows = await datasets.Skip(page.Skip).Take(page.Take).ToListAsync(cancel);
        return new PageOf<DatasetSummary>(rows.Select(Summarize).ToList(), total);
    }

    public static DatasetSummary Summarize(Dataset d) =>
        new(d.Id, d.Name, d.Kind, d.RowCount, d.Source.StartsWith(BuiltInPrefix, StringComparison.Ordinal), d.CreatedAt, DatasetPreview.Bounded(d.PreviewJson), d.ArchivedAt);

    public async Task<Dataset?> FindAsync(int id, CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, cancel);
    }

    /// <summary>The rows as JSON objects, in file order.</summary>
    public async Task<List<JsonObject>> RowsAsync(int datasetId, CancellationToken cancel = default) =>
        await RowLines(datasetId, cancel).Select(j => JsonNode.Parse(j)!.AsObject()).ToListAsync(cancel);

    /// <summary>The dataset's rows as stored (one JSON object each), in file order, streamed: what a worker downloads to train on.</summary>
    public async IAsyncEnumerable<string> RowLines(int datasetId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        await foreach (var json in db.DatasetRows.AsNoTracking().Where(r => r.DatasetId == datasetId).OrderBy(r => r.Line).Select(r => r.Json).AsAsyncEnumerable().WithCancellation(cancel))
            yield return json;
    }

    private const string BuiltInPrefix = "builtin:";

    /// <summary>The task pack a built-in dataset came from (its reward scores completions), or null for other data.</summary>
    public static ITaskPack? PackOf(Dataset d)
    {
        if (!d.Source.StartsWith(BuiltInPrefix, StringComparison.Ordinal)) return null;
        string name = d.Source[BuiltInPrefix.Length..].Split('/')[0];
        return TaskPackRegistry.Names.Contains(name) ? TaskPackRegistry.Get(name) : null;
    }

    /// <summary>Rows the built-in packs generate (seed 1), as frozen datasets.</summary>
    public const int BuiltInSftRows = 2000, BuiltInPromptRows = 500;

    /// <summary>Creates each built-in task pack's SFT corpus and prompt set once.</summary>
    public async Task EnsureBuiltInAsync(CancellationToken cancel = default)
    {
        List<string> have;
        await using (var db = await dbs.CreateDbContextAsync(cancel))
            have = await db.Datasets.Where(d => d.Source.StartsWith(BuiltInPrefix)).Select(d => d.Source).ToListAsync(cancel);
        foreach (string packName in TaskPackRegistry.Names)
        {
            string corpus = $"{BuiltInPrefix}{packName}/sft", prompts = $"{BuiltInPrefix}{packName}/prompts";
            if (have.Contains(corpus) && have.Contains(prompts)) continue;
            var pack = TaskPackRegistry.Get(packName);
            if (!have.Contains(corpus))
            {
                var rows = PackRows.Sft(pack, 1, BuiltInSftRows).Select((o, i) => (i + 1, o.ToJsonString())).ToList();
                await SaveBuiltInAsync($"{packName} · SFT corpus", DatasetKind.PromptCompletion, corpus, rows, cancel);
            }
            if (!have.Contains(prompts))
            {
                var rows = PackRows.Prompts(pack, 1, BuiltInPromptRows).Select((o, i) => (i + 1, o.ToJsonString())).ToList();
                await SaveBuiltInAsync($"{packName} · prompts", DatasetKind.PromptOnly, prompts, rows, cancel);
            }
        }
    }

    private async Task SaveBuiltInAsync(string name, string kind, string source, List<(int, string)> rows, CancellationToken cancel)
    {
        try
        {
            await SaveAsync(name, kind, source, rows, null, cancel);
        }
        catch (DbUpdateException)
        {
            // Another request created it first (unique Source); theirs is identical.
        }
    }
}
