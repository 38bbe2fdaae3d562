using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LabelAndAlign.Web.Services.Datasets;

/// <summary>One problem found while importing: the 1-based line and what is wrong with it.</summary>
public sealed record ImportError(int Line, string Message);

/// <summary>A dataset as lists and the API show it.</summary>
public sealed record DatasetSummary(int Id, string Name, string Kind, int Rows, bool BuiltIn, DateTime CreatedAt, string PreviewJson);

/// <summary>
/// Imports TRL-format JSON Lines as frozen datasets (all rows or none), lists them, and keeps the
/// built-in task packs' corpora and prompt sets available as datasets.
/// </summary>
public sealed class DatasetService(AppDbContext db, TimeProvider clock)
{
    /// <summary>Largest accepted import.</summary>
    public const long MaxImportBytes = 200L * 1024 * 1024;

    /// <summary>Errors reported per import; the rest are counted, not listed.</summary>
    public const int MaxErrors = 50;

    public const int PreviewRows = 5;

    public sealed record ImportResult(Dataset? Dataset, IReadOnlyList<ImportError> Errors)
    {
        public bool Ok => Dataset is not null;
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
        string? kind = null;
        int kindLine = 0;
        using var reader = new StreamReader(jsonl, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        int line = 0;
        long bytes = 0;
        while (await reader.ReadLineAsync(cancel) is { } text)
        {
            line++;
            bytes += text.Length + 1;
            if (bytes > MaxImportBytes) throw new InputException("body", $"The file is larger than {MaxImportBytes / (1024 * 1024)} MB; split it into several datasets.");
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonObject? row = null;
            try
            {
                row = JsonNode.Parse(text) as JsonObject;
                if (row is null) Add(errors, line, "expected a JSON object, one per line.");
            }
            catch (JsonException e)
            {
                Add(errors, line, $"not valid JSON: {e.Message}");
            }
            if (row is null) continue;
            var (rowKind, error) = DatasetKind.Detect(row);
            if (error is not null)
            {
                Add(errors, line, error);
                continue;
            }
            if (kind is null)
            {
                kind = rowKind;
                kindLine = line;
            }
            else if (rowKind != kind)
            {
                Add(errors, line, $"this row is {DatasetKind.Describe(rowKind!).ToLowerInvariant()} but line {kindLine} is {DatasetKind.Describe(kind).ToLowerInvariant()}; a dataset holds one kind.");
                continue;
            }
            rows.Add((line, row.ToJsonString()));
        }
        if (errors.Count == 0 && rows.Count == 0) Add(errors, Math.Max(1, line), "the file has no rows.");
        if (errors.Count > 0) return new ImportResult(null, errors);

        var dataset = await SaveAsync(name, kind!, source, rows, userId, cancel);
        return new ImportResult(dataset, []);
    }

    private static void Add(List<ImportError> errors, int line, string message)
    {
        if (errors.Count < MaxErrors) errors.Add(new ImportError(line, message));
    }

    private async Task<Dataset> SaveAsync(string name, string kind, string source, List<(int Line, string Json)> rows, int? userId, CancellationToken cancel)
    {
        var preview = new JsonArray(rows.Take(PreviewRows).Select(r => JsonNode.Parse(r.Json)).ToArray());
        var dataset = new Dataset
        {
            Name = name, Kind = kind, RowCount = rows.Count, PreviewJson = preview.ToJsonString(), Source = source,
            CreatedById = userId, CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        await using var tx = await db.Database.BeginTransactionAsync(cancel);
        db.Datasets.Add(dataset);
        await db.SaveChangesAsync(cancel);
        // Rows go in with one prepared statement: EF's change tracker is slow for 100k rows.
        var connection = db.Database.GetDbConnection();
        await using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = tx.GetDbTransaction();
            cmd.CommandText = "INSERT INTO dataset_rows (DatasetId, Line, Json) VALUES ($d, $l, $j);";
            var d = cmd.CreateParameter(); d.ParameterName = "$d"; d.Value = dataset.Id; cmd.Parameters.Add(d);
            var l = cmd.CreateParameter(); l.ParameterName = "$l"; cmd.Parameters.Add(l);
            var j = cmd.CreateParameter(); j.ParameterName = "$j"; cmd.Parameters.Add(j);
            foreach (var (lineNo, json) in rows)
            {
                l.Value = lineNo;
                j.Value = json;
                await cmd.ExecuteNonQueryAsync(cancel);
            }
        }
        await tx.CommitAsync(cancel);
        return dataset;
    }

    public async Task<IReadOnlyList<DatasetSummary>> ListAsync(CancellationToken cancel = default)
    {
        await EnsureBuiltInAsync(cancel);
        var list = await db.Datasets.AsNoTracking().OrderByDescending(d => d.Id).ToListAsync(cancel);
        return list.Select(Summarize).ToList();
    }

    public static DatasetSummary Summarize(Dataset d) =>
        new(d.Id, d.Name, d.Kind, d.RowCount, d.Source.StartsWith("builtin:", StringComparison.Ordinal), d.CreatedAt, d.PreviewJson);

    public Task<Dataset?> FindAsync(int id, CancellationToken cancel = default) =>
        db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, cancel);

    /// <summary>The rows as JSON objects, in file order.</summary>
    public async Task<List<JsonObject>> RowsAsync(int datasetId, CancellationToken cancel = default)
    {
        var json = await db.DatasetRows.AsNoTracking().Where(r => r.DatasetId == datasetId).OrderBy(r => r.Line).Select(r => r.Json).ToListAsync(cancel);
        return json.Select(j => JsonNode.Parse(j)!.AsObject()).ToList();
    }

    /// <summary>Rows the built-in packs generate (seed 1), as frozen datasets.</summary>
    public const int BuiltInSftRows = 2000, BuiltInPromptRows = 500;

    /// <summary>Creates each built-in task pack's SFT corpus and prompt set once.</summary>
    public async Task EnsureBuiltInAsync(CancellationToken cancel = default)
    {
        var have = await db.Datasets.Where(d => d.Source.StartsWith("builtin:")).Select(d => d.Source).ToListAsync(cancel);
        foreach (string packName in TaskPackRegistry.Names)
        {
            string corpus = $"builtin:{packName}/sft", prompts = $"builtin:{packName}/prompts";
            if (have.Contains(corpus) && have.Contains(prompts)) continue;
            var pack = TaskPackRegistry.Get(packName);
            if (!have.Contains(corpus))
            {
                var rows = pack.SftCorpus(1, BuiltInSftRows).Select((e, i) => (i + 1, SftJson(e))).ToList();
                await SaveBuiltInAsync($"{packName} · SFT corpus", DatasetKind.PromptCompletion, corpus, rows, cancel);
            }
            if (!have.Contains(prompts))
            {
                var rows = pack.Prompts(1, BuiltInPromptRows).Select((p, i) =>
                {
                    var o = new JsonObject { ["prompt"] = p.Prompt };
                    foreach (var (k, v) in p.Fields) o[k] = v;
                    return (i + 1, o.ToJsonString());
                }).ToList();
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
            db.ChangeTracker.Clear();
        }
    }

    private static string SftJson(SftExample e)
    {
        var o = new JsonObject();
        if (e.Prompt is not null) o["prompt"] = e.Prompt;
        if (e.Completion is not null) o["completion"] = e.Completion;
        if (e.Text is not null) o["text"] = e.Text;
        if (e.Messages is not null) o["messages"] = new JsonArray(e.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());
        return o.ToJsonString();
    }
}
