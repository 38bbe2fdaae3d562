using System.Text.Json;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>Settings of the <c>Checkpoints</c> section: how big an upload may be, and the server folder for bigger models.</summary>
public sealed class ModelUploadOptions
{
    /// <summary>Largest upload (all its files together, bytes); bigger ones get 413. GPT-2 medium's weights are 1.5 GB.</summary>
    public long MaxUploadBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>A folder on the server holding one sub-folder per model (files too big to upload); unset: none.</summary>
    public string? ServerFolder { get; set; }
}

/// <summary>An upload over <see cref="ModelUploadOptions.MaxUploadBytes"/>: 413, naming the limit, the setting and the alternative.</summary>
public sealed class UploadTooLargeException(long limit)
    : Exception($"The upload is larger than the limit of {limit / (1024 * 1024)} MB (Checkpoints:MaxUploadBytes); raise that setting, "
        + "or put the model's folder in the server folder (Checkpoints:ServerFolder) and import it from there.");

/// <summary>
/// Models a lead brings (Hugging Face GPT-2 layout: <c>model.safetensors</c>, <c>config.json</c> and the tokenizer as
/// <c>tokenizer.json</c> or <c>vocab.json</c> + <c>merges.txt</c>), by upload or from the server folder. The files are
/// written to a hidden staging folder, checked as the engine will read them (config, every tensor's shape, the
/// tokenizer against the vocabulary) and only then moved under their final name and recorded, so a failed, refused
/// or cancelled upload leaves nothing behind. The result is a checkpoint like a run's: usable as any run's base.
/// </summary>
public sealed class ModelUploads(IDbContextFactory<AppDbContext> dbs, IOptions<ModelUploadOptions> options, DatabaseSettings settings, TimeProvider clock, AuditLog audit)
{
    public const string NameField = "name", FolderField = "folder";
    public const string ModelFile = "model.safetensors", ConfigFile = "config.json", VocabFile = "vocab.json", MergesFile = "merges.txt";

    /// <summary>Where uploaded models live, relative to the data folder.</summary>
    public const string Root = "models";

    private const string PartialPrefix = ".partial-";

    /// <summary>Room in a request for multipart boundaries and part headers beyond the files' own bytes (which the limit counts).</summary>
    public const long MultipartOverhead = 1 << 20;

    /// <summary>Files an upload may carry: the weights, the config, the tokenizer's files and generation defaults.</summary>
    public static readonly string[] AcceptedFiles =
        [ModelFile, ConfigFile, .. Checkpoint.TokenizerFileNames.Where(n => n != ModelFile), "generation_config.json"];

    public ModelUploadOptions Options => options.Value;

    /// <summary>
    /// Streams a multipart body to disk part by part (a part is named by its form field, or else its file name), then
    /// checks and records it. Throws <see cref="InputException"/> (what is wrong, by file) or <see cref="UploadTooLargeException"/>.
    /// </summary>
    public async Task<CheckpointSummary> UploadAsync(string? name, string? contentType, Stream body, long? contentLength, int? userId, CancellationToken cancel)
    {
        string modelName = CheckName(name);
        long limit = Options.MaxUploadBytes;
        if (contentLength > limit + MultipartOverhead) throw new UploadTooLargeException(limit);
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || !media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(media.Boundary).Value is not { Length: > 0 } boundary)
            throw new InputException("body", $"Send the files as multipart/form-data (found '{contentType ?? "no content type"}'): {Expected}.");

        return await StageAsync(modelName, userId, async partial =>
        {
            var reader = new MultipartReader(boundary, body);
            long total = 0;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var section = await reader.ReadNextSectionAsync(cancel); section is not null; section = await reader.ReadNextSectionAsync(cancel))
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
                    throw new InputException("body", $"Every part must be a file; {Expected}.");
                string field = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                string file = Path.GetFileName(HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? "");
                string? target = AcceptedFiles.Contains(field) ? field : AcceptedFiles.Contains(file) ? file : null;
                if (target is null) throw new InputException("body", $"Unexpected file '{(file.Length > 0 ? file : field)}': {Expected}.");
                if (!seen.Add(target)) throw new InputException(target, $"{target} was sent twice; send each file once.");
                await using var to = new FileStream(Path.Combine(partial, target), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                var buffer = new byte[1 << 16];
                int n;
                while ((n = await section.Body.ReadAsync(buffer, cancel)) > 0)
                {
                    total += n;
                    if (total > limit) throw new UploadTooLargeException(limit);
                    await to.WriteAsync(buffer.AsMemory(0, n), cancel);
                }
            }
        }, cancel);
    }

    /// <summary>The model folders in the server folder (sub-folders holding a config.json), sorted; empty when it is not set.</summary>
    public IReadOnlyList<string> ServerModels()
    {
        if (Options.ServerFolder is not { Length: > 0 } root || !Directory.Exists(root)) return [];
        return Directory.EnumerateDirectories(root).Where(d => File.Exists(Path.Combine(d, ConfigFile)))
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Copies a model folder of the server folder (by its name there) through the same checks as an upload; the original stays.</summary>
    public async Task<CheckpointSummary> ImportAsync(string? name, string? folder, int? userId, CancellationToken cancel)
    {
        string modelName = CheckName(name);
        if (Options.ServerFolder is not { Length: > 0 } root)
            throw new InputException(FolderField, "No server folder is set: set Checkpoints:ServerFolder to a folder on the server that holds one folder per model, then import from it.");
        var available = ServerModels();
        if (string.IsNullOrWhiteSpace(folder) || !available.Contains(folder, StringComparer.Ordinal))
            throw new InputException(FolderField, available.Count == 0
                ? $"The server folder {root} holds no model folder (a folder with a config.json); copy one there first."
                : $"'{folder}' is not a model folder of the server folder; choose one of: {string.Join(", ", available)}.");
        string source = Path.Combine(root, folder);
        return await StageAsync(modelName, userId, async partial =>
        {
            foreach (string file in AcceptedFiles.Where(f => File.Exists(Path.Combine(source, f))))
            {
                await using var from = new FileStream(Path.Combine(source, file), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                await using var to = new FileStream(Path.Combine(partial, file), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                await from.CopyToAsync(to, cancel);
            }
        }, cancel);
    }

    private static string Expected =>
        $"send {ModelFile}, {ConfigFile} and the tokenizer ({HuggingFaceTokenizerJson.FileName}, or {VocabFile} + {MergesFile}) as Hugging Face ships GPT-2";

    private static string CheckName(string? name)
    {
        string trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0) throw new InputException(NameField, "Give the model a name (?name=…).");
        if (trimmed.Length > 200) throw new InputException(NameField, $"The name is {trimmed.Length} characters; keep it to 200.");
        return trimmed;
    }

    /// <summary>Fills a fresh staging folder, checks it, moves it to its final name and records it; on any failure deletes what was written.</summary>
    private async Task<CheckpointSummary> StageAsync(string name, int? userId, Func<string, Task> fill, CancellationToken cancel)
    {
        string dataDirectory = settings.DataDirectory;
        string parent = Path.Combine(dataDirectory, Root);
        Directory.CreateDirectory(parent);
        SweepAbandoned(parent);
        string id = Guid.NewGuid().ToString("N");
        string partial = Path.Combine(parent, PartialPrefix + id), final = Path.Combine(parent, id);
        Directory.CreateDirectory(partial);
        bool kept = false;
        try
        {
            await fill(partial);
            Check(partial);
            Directory.Move(partial, final); // one rename: the folder appears complete or not at all
            var row = new RunCheckpoint { Path = $"{Root}/{id}", Step = 0, Name = name, UploadedById = userId, CreatedAt = clock.GetUtcNow().UtcDateTime };
            await using var db = await dbs.CreateDbContextAsync(CancellationToken.None);
            db.RunCheckpoints.Add(row);
            await db.SaveChangesAsync(CancellationToken.None);
            kept = true;
            await audit.RecordAsync("checkpoint.upload", $"checkpoint {row.Id} '{name}'", userId, CancellationToken.None);
            string? email = userId is int u ? await db.Users.Where(x => x.Id == u).Select(x => x.Email).FirstOrDefaultAsync(CancellationToken.None) : null;
            return new CheckpointSummary(row.Id, null, name, 0, row.CreatedAt, "", email);
        }
        finally
        {
            if (!kept)
                foreach (string folder in new[] { partial, final }.Where(Directory.Exists))
                    Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Staging folders left by a process that died mid-upload (a live upload is never a day old).</summary>
    private void SweepAbandoned(string parent)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime.AddDays(-1);
        foreach (string dir in Directory.EnumerateDirectories(parent, PartialPrefix + "*"))
            if (Directory.GetLastWriteTimeUtc(dir) < cutoff)
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>
    /// The model as the engine will read it: the config, every tensor against it (names, shapes, a tied head), and a
    /// tokenizer whose ids all have an embedding. Every problem is reported at once, by file. A vocab.json + merges.txt
    /// pair is also written as tokenizer.json, the one form every reader of a checkpoint takes.
    /// </summary>
    private static void Check(string folder)
    {
        var errors = new List<InputError>();
        bool has(string f) => File.Exists(Path.Combine(folder, f));
        foreach (string f in new[] { ModelFile, ConfigFile }.Where(f => !has(f))) errors.Add(new(f, $"{f} is missing; {Expected}."));
        bool json = has(HuggingFaceTokenizerJson.FileName), vocab = has(VocabFile), merges = has(MergesFile);
        if (!json && !(vocab && merges))
            errors.Add(new("tokenizer", vocab ? $"{VocabFile} came without {MergesFile}; send both, or {HuggingFaceTokenizerJson.FileName}."
                : merges ? $"{MergesFile} came without {VocabFile}; send both, or {HuggingFaceTokenizerJson.FileName}."
                : $"The tokenizer is missing: send {HuggingFaceTokenizerJson.FileName}, or {VocabFile} + {MergesFile}, from the same model."));

        GptConfig? config = null;
        if (has(ConfigFile))
            try { config = Gpt2ConfigJson.Read(Path.Combine(folder, ConfigFile)); }
            catch (Exception e) when (e is InvalidDataException or IOException) { errors.Add(new(ConfigFile, Unrooted(e.Message, folder))); }
        if (config is not null && has(ModelFile))
            try { Checkpoint.Load(folder); }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or JsonException or OverflowException)
            { errors.Add(new(ModelFile, Unrooted(e.Message, folder) + " Upload the weights that belong to this config.json.")); }

        BpeTokenizer? tokenizer = null;
        string tokenizerField = json ? HuggingFaceTokenizerJson.FileName : VocabFile;
        try
        {
            if (json) tokenizer = HuggingFaceTokenizerJson.Load(Path.Combine(folder, HuggingFaceTokenizerJson.FileName));
            else if (vocab && merges) tokenizer = Gpt2EncoderFiles.Load(Path.Combine(folder, VocabFile), Path.Combine(folder, MergesFile));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or JsonException) { errors.Add(new(tokenizerField, Unrooted(e.Message, folder))); }
        if (tokenizer is not null && config is not null && tokenizer.VocabSize > config.VocabSize)
            errors.Add(new(tokenizerField, $"The tokenizer has {tokenizer.VocabSize} tokens but config.json's vocab_size is {config.VocabSize}: "
                + "its last ids would have no embedding. Upload the tokenizer that belongs to this model."));

        if (errors.Count > 0) throw new InputException(errors);
        if (!json) TokenizerFiles.Save(tokenizer!, folder);
    }

    /// <summary>Engine messages name the file's path; the staging folder means nothing to the user (and is the server's business).</summary>
    private static string Unrooted(string message, string folder) => message.Replace(folder + Path.DirectorySeparatorChar, "", StringComparison.Ordinal);
}
