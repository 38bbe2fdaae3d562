using System.Text.Json.Nodes;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Runs;
using LabelAndAlign.Web.Services.Workers;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// Generates items inside the platform: two responses per prompt, sampled from checkpoint A and
/// checkpoint B (or twice from A with different seeds), imported into a project through
/// <see cref="ImportService"/> so the same validation, queue and all-or-nothing rules hold.
/// The sampling is a worker's job (<see cref="GenerationJobs"/>; the web app never computes with a
/// model): this checks the request, hands the prompts to the next free worker, waits for the
/// responses (reporting progress) and imports them.
/// </summary>
public sealed class CandidateGenerator(IDbContextFactory<AppDbContext> dbs, ImportService imports, GenerationSlots slots, GenerationJobs jobs, DatabaseSettings settings)
{
    /// <summary>Most prompts one request may generate for (each costs two generations).</summary>
    public const int MaxPrompts = 500;
    public const int MaxNewTokensLimit = 1024;

    /// <summary>Shown when a model stops at once, even after re-sampling (an empty response would fail the import).</summary>
    public const string EmptyResponse = Engine.Inference.PromptSampling.EmptyResponse;

    public sealed record Request
    {
        public int? CheckpointA { get; init; }
        public int? CheckpointB { get; init; }

        /// <summary>Pasted prompts, one per entry (blank entries are ignored).</summary>
        public IReadOnlyList<string>? Prompts { get; init; }

        /// <summary>A prompt-only or prompt–completion dataset whose prompts to use (instead of <see cref="Prompts"/>).</summary>
        public int? DatasetId { get; init; }

        public int MaxNewTokens { get; init; } = 64;
        public float Temperature { get; init; } = 0.8f;
        public float TopP { get; init; } = 1f;
        public int Seed { get; init; }
    }

    /// <summary>Responses generated so far out of the total (two per prompt).</summary>
    public sealed record Progress(int Done, int Total);

    private sealed record PromptInput(string Text, JsonNode Json, JsonArray? Messages);

    private sealed record Model(int Id, string Field, string Name, string Folder);

    /// <summary>A checkpoint a lead can pick: its id, hidden model name ("run 3 · step 400", "upload 7") and where it came from.</summary>
    public sealed record CheckpointChoice(int Id, string Name, string RunName);

    /// <summary>Every checkpoint whose files are still there (a run keeps its newest save_total_limit), newest run first, then uploaded models, for the pickers.</summary>
    public async Task<List<CheckpointChoice>> CheckpointsAsync(CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return (await CheckpointCatalog.ListAsync(db, settings.DataDirectory, null, cancel))
            .Take(500).Select(c => new CheckpointChoice(c.Id, ModelName(c.Id, c.RunId, c.Step), c.IsUpload ? c.Label : c.RunName)).ToList();
    }

    /// <summary>The hidden model name a generated item records.</summary>
    private static string ModelName(int id, int? runId, int step) => runId is int r ? Archiving.Lineage.RunModel(r, step) : Archiving.Lineage.UploadModel(id);

    /// <summary>A dataset whose prompts can be generated for: its id, name and row count.</summary>
    public sealed record PromptSource(int Id, string Name, int Rows);

    /// <summary>Prompt-only and prompt–completion datasets small enough for one request, newest first, for the picker (archived ones left out).</summary>
    public async Task<List<PromptSource>> PromptSourcesAsync(CancellationToken cancel = default)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        return await db.Datasets.AsNoTracking()
            .Where(d => (d.Kind == DatasetKind.PromptOnly || d.Kind == DatasetKind.PromptCompletion) && d.RowCount <= MaxPrompts && d.ArchivedAt == null)
            .OrderByDescending(d => d.Id)
            .Select(d => new PromptSource(d.Id, d.Name, d.RowCount))
            .ToListAsync(cancel);
    }

    /// <summary>Generates and imports the items; returns how many were added. Bad input throws <see cref="InputException"/>.</summary>
    public async Task<int> GenerateAsync(int projectId, Request request, IProgress<Progress>? progress = null, CancellationToken cancel = default)
    {
        await imports.RequireOpenProjectAsync(projectId, cancel);
        Validate(request);
        var prompts = await PromptsAsync(request, cancel);
        var a = await ModelAsync("checkpointA", request.CheckpointA, cancel)
            ?? throw new InputException("checkpointA", "Choose checkpoint A.");
        var b = await ModelAsync("checkpointB", request.CheckpointB, cancel);
        bool single = b is null || b.Folder == a.Folder;
        if (single && request.Temperature == 0)
            throw new InputException("temperature", "With one checkpoint the two responses differ only by seed; use a temperature above 0 (greedy decoding would give the same text twice).");

        using var slot = slots.TryTake() ?? throw new InputException("generation",
            slots.Limit == 1
                ? "Another generation is running; try again when it has finished (one at a time: Labeling:MaxConcurrentGenerations)."
                : $"{slots.Limit} generations are running; try again when one has finished (Labeling:MaxConcurrentGenerations).",
            isConflict: true);
        string nameA = single ? $"{a.Name} · seed {request.Seed}" : a.Name;
        string nameB = single ? $"{a.Name} · seed {unchecked(request.Seed + 1)}" : b!.Name;
        var spec = new GenerationAssignment(0, 0, a.Id, single ? null : b!.Id,
            prompts.Select(p => new GenerationPrompt(p.Text, p.Messages?.Select(m => new ChatTurn(m?["role"]?.GetValue<string>() ?? "user", m?["content"]?.GetValue<string>() ?? "")).ToList())).ToList(),
            request.MaxNewTokens, request.Temperature, request.TopP, request.Seed);
        int job = await jobs.CreateAsync(projectId, spec, cancel);
        var generated = await jobs.WaitAsync(job, (done, total) => progress?.Report(new Progress(done, total)), cancel);

        var result = await imports.ImportAsync(projectId, prompts.Select((p, i) => new JsonObject
        {
            ["prompt"] = p.Json.DeepClone(),
            // A small model can decode a NUL, which no item may hold (see StoredText).
            ["response_a"] = StoredText.Of(generated.ResponsesA[i]),
            ["response_b"] = StoredText.Of(generated.ResponsesB[i]),
            ["model_a"] = nameA,
            ["model_b"] = nameB,
        }), cancel);
        if (!result.Ok)
            throw new InputException("prompts", "The generated items were not imported: " +
                string.Join("; ", result.Errors.Take(5).Select(e => e.Line > 0 ? $"prompt {e.Line}: {e.Message}" : e.Message)));
        return result.Imported;
    }

    private static void Validate(Request r)
    {
        if (r.MaxNewTokens < 1 || r.MaxNewTokens > MaxNewTokensLimit)
            throw new InputException("maxNewTokens", $"Max new tokens must be between 1 and {MaxNewTokensLimit}; found {r.MaxNewTokens}.");
        if (!(r.Temperature >= 0 && r.Temperature <= 5))
            throw new InputException("temperature", $"Temperature must be between 0 (greedy) and 5; found {r.Temperature}.");
        if (!(r.TopP > 0 && r.TopP <= 1))
            throw new InputException("topP", $"Top-p must be in (0, 1] (1 = off); found {r.TopP}.");
        if (r.CheckpointA is null) throw new InputException("checkpointA", "Choose checkpoint A.");
    }

    private async Task<List<PromptInput>> PromptsAsync(Request request, CancellationToken cancel)
    {
        var pasted = (request.Prompts ?? []).Where(p => !string.IsNullOrWhiteSpace(p)).ToList();
        if (request.DatasetId is int datasetId)
        {
            if (pasted.Count > 0) throw new InputException("prompts", "Give prompts or a dataset, not both.");
            await using var db = await dbs.CreateDbContextAsync(cancel);
            var dataset = await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == datasetId, cancel)
                ?? throw new InputException("datasetId", $"No dataset with id {datasetId}.");
            if (dataset.Kind is not (DatasetKind.PromptOnly or DatasetKind.PromptCompletion))
                throw new InputException("datasetId", $"Dataset '{dataset.Name}' is {DatasetKind.Describe(dataset.Kind).ToLowerInvariant()}; choose a prompt-only or prompt–completion dataset.");
            if (dataset.RowCount > MaxPrompts)
                throw new InputException("datasetId", $"Dataset '{dataset.Name}' has {dataset.RowCount:N0} rows; generate for at most {MaxPrompts} prompts per request.");
            var rows = await db.DatasetRows.AsNoTracking().Where(r => r.DatasetId == datasetId).OrderBy(r => r.Line)
                .Select(r => r.Json).Take(MaxPrompts + 1).ToListAsync(cancel);
            var list = new List<PromptInput>();
            foreach (string json in rows)
            {
                var prompt = JsonNode.Parse(json)?["prompt"];
                if (prompt is JsonValue v && v.TryGetValue<string>(out var text) && text.Trim().Length > 0)
                    list.Add(new PromptInput(text, JsonValue.Create(text), null));
                else if (prompt is JsonArray messages && messages.Count > 0)
                    list.Add(new PromptInput(string.Join("\n", messages.Select(m => m?["content"]?.GetValue<string>() ?? "")), messages, messages));
            }
            if (list.Count == 0) throw new InputException("datasetId", $"Dataset '{dataset.Name}' holds no prompts.");
            if (list.Count > MaxPrompts) throw new InputException("datasetId", $"Generate for at most {MaxPrompts} prompts per request.");
            return list;
        }
        if (pasted.Count == 0) throw new InputException("prompts", "Give at least one prompt (one per line) or choose a dataset.");
        if (pasted.Count > MaxPrompts)
            throw new InputException("prompts", $"{pasted.Count:N0} prompts given; generate for at most {MaxPrompts} prompts per request.");
        if (pasted.FirstOrDefault(p => p.Length > ItemParser.MaxFieldLength) is { } tooLong)
            throw new InputException("prompts", $"A prompt is {tooLong.Length:N0} characters long; the limit is {ItemParser.MaxFieldLength:N0}.");
        return pasted.Select(p => new PromptInput(p.Trim(), JsonValue.Create(p.Trim()), null)).ToList();
    }

    /// <summary>The checkpoint's folder and hidden model name ("run 3 · step 400"); null when no id was given.</summary>
    private async Task<Model?> ModelAsync(string field, int? id, CancellationToken cancel)
    {
        if (id is null) return null;
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var checkpoint = await db.RunCheckpoints.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancel)
            ?? throw new InputException(field, $"No checkpoint with id {id}.");
        string folder;
        try { folder = CheckpointFiles.Resolve(settings.DataDirectory, checkpoint.Path); }
        catch (InvalidOperationException e) { throw new InputException(field, e.Message); }
        string name = ModelName(checkpoint.Id, checkpoint.RunId, checkpoint.Step);
        if (!Directory.Exists(folder))
            throw new InputException(field, $"Checkpoint {id} ({name}) has no folder on disk; it may have been deleted.");
        foreach (string file in new[] { "config.json", "model.safetensors", "tokenizer.json" })
            if (!File.Exists(Path.Combine(folder, file)))
                throw new InputException(field, $"Checkpoint {id} ({name}) is missing {file}.");
        return new Model(checkpoint.Id, field, name, folder);
    }
}
