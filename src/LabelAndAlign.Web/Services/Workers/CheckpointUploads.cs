using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Protocol;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Checkpoint = LabelAndAlign.Engine.Checkpoints.Checkpoint;
using Trainer = LabelAndAlign.Engine.Training.Trainer;

namespace LabelAndAlign.Web.Services.Workers;

/// <summary>
/// Checkpoints a worker uploads (a zip of the folder) into the data folder: the body is hashed as it arrives and
/// checked against the SHA-256 the worker sent, unpacked beside the run's checkpoints, and put in place under
/// <c>runs/&lt;id&gt;/checkpoints/checkpoint-&lt;step&gt;</c> only in the transaction that records it as the next
/// piece of the run's report stream — so a damaged, late or repeated upload never replaces a good checkpoint. Then the
/// run's save_total_limit prunes the oldest, as the trainer does in its own folder.
/// </summary>
public sealed partial class CheckpointUploads(IDbContextFactory<AppDbContext> dbs, RunReports reports, IOptions<TrainingOptions> options, TimeProvider clock,
    DatabaseSettings settings, ILogger<CheckpointUploads> logger)
{
    /// <summary>Files a checkpoint folder holds: at most this many, each a plain file name, at most one subfolder deep (a PPO run's value_model/).</summary>
    private const int MaxFiles = 64;

    /// <summary>What every complete checkpoint carries (the trainer's files and the tokenizer the backend adds).</summary>
    private static readonly string[] Required = ["config.json", "model.safetensors", Checkpoint.OptimizerFileName, "tokenizer.json"];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex PlainFileName();

    private string DataDirectory => settings.DataDirectory;

    /// <summary>A run's checkpoints folder in the data folder.</summary>
    public static string Folder(string dataDirectory, int runId) =>
        Path.Combine(dataDirectory, "runs", runId.ToString(CultureInfo.InvariantCulture), "checkpoints");

    /// <summary>
    /// Stores the upload as checkpoint <paramref name="step"/> of the run when it is the next piece of the lease's
    /// stream; returns the checkpoint's id, or null when the lease is no longer the session's.
    /// </summary>
    public async Task<(ReportOutcome Outcome, int? CheckpointId)> UploadAsync(string session, HeldJob job, long seq, int step, string? sha256, Stream body, CancellationToken cancel)
    {
        if (step < 0) throw new InputException("step", $"A checkpoint's step is 0 or more; found {step}.");
        if (sha256 is null || sha256.Length != 64) throw new InputException(EngineRoutes.Sha256Header, $"Send the archive's SHA-256 (64 hex digits) in {EngineRoutes.Sha256Header}.");
        string root = Folder(DataDirectory, job.Id);
        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not the worker's fault and not going away by itself: the run fails with the reason, the worker stops.
            await reports.FailAsync(job, session, $"Could not write checkpoint to {Path.Combine(root, $"{Trainer.CheckpointPrefix}{step}")}: {e.Message}", cancel);
            return (ReportOutcome.Lost, null);
        }
        string staged = Path.Combine(root, $"{Trainer.CheckpointPrefix}{step}.upload-{Guid.NewGuid():N}");
        try
        {
            try
            {
                await ReceiveAsync(body, sha256, staged, cancel);
            }
            catch (InputException e) when (e.Field == "body")
            {
                // Not damage on the way (that is a SHA-256 mismatch, sent again): this worker's checkpoints cannot be
                // stored, so the run fails with the reason rather than going round the queue.
                await reports.FailAsync(job, session, $"Checkpoint {step} could not be stored: {e.Message}", cancel);
                return (ReportOutcome.Lost, null);
            }
            (ReportOutcome Outcome, int? Id) result;
            await using (var db = await dbs.CreateDbContextAsync(cancel))
            {
                // The database's one write path; the folder moves in only once the lease's stream is moved on with it.
                result = await db.InTransactionAsync<(ReportOutcome, int?)>(null, async cancel =>
                {
                    var outcome = await reports.AdvanceAsync(db, job, session, seq, null, cancel);
                    if (outcome != ReportOutcome.Applied)
                        return (outcome, outcome == ReportOutcome.Repeat ? await db.RunCheckpoints.Where(c => c.RunId == job.Id && c.Step == step).Select(c => (int?)c.Id).FirstOrDefaultAsync(cancel) : null);
                    string final = Path.Combine(root, $"{Trainer.CheckpointPrefix}{step}");
                    if (Directory.Exists(staged)) Replace(staged, final); // already in place when a lost deadlock runs the body again
                    return (outcome, await RecordAsync(db, job.Id, step, final, cancel));
                }, cancel);
            }
            if (result.Outcome == ReportOutcome.Applied) await PruneAsync(job.Id, root, cancel);
            return result;
        }
        finally
        {
            if (Directory.Exists(staged)) Directory.Delete(staged, recursive: true);
        }
    }

    /// <summary>Hashes and unpacks the body into <paramref name="folder"/>; refuses a body that is too big, damaged or not a checkpoint.</summary>
    private async Task ReceiveAsync(Stream body, string sha256, string folder, CancellationToken cancel)
    {
        long max = options.Value.MaxCheckpointBytes;
        string zip = folder + ".zip";
        try
        {
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            await using (var file = new FileStream(zip, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 16];
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, cancel)) > 0)
                {
                    total += read;
                    if (total > max)
                        throw new InputException("body", $"The checkpoint upload is over {max:N0} bytes (Training:MaxCheckpointBytes); raise it for models this large.");
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancel);
                }
                string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (!string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
                    throw new InputException(EngineRoutes.Sha256Header, $"The checkpoint arrived with SHA-256 {actual}, not the {sha256} it was sent with ({total:N0} bytes): it was damaged on the way; send it again.");
            }
            Directory.CreateDirectory(folder);
            try
            {
                using var archive = ZipFile.OpenRead(zip);
                if (archive.Entries.Count > MaxFiles) throw new InvalidDataException($"it holds {archive.Entries.Count} files; a checkpoint has at most {MaxFiles}");
                long unpacked = 0;
                foreach (var entry in archive.Entries)
                {
                    string[] parts = entry.FullName.Split('/');
                    if (parts.Length > 2 || !parts.All(p => PlainFileName().IsMatch(p)))
                        throw new InvalidDataException($"it holds '{entry.FullName}', which is not a plain file name (or one in a subfolder of the checkpoint)");
                    unpacked += entry.Length;
                    if (unpacked > max) throw new InvalidDataException($"it unpacks to over {max:N0} bytes (Training:MaxCheckpointBytes)");
                    string to = Path.Combine([folder, .. parts]);
                    Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                    entry.ExtractToFile(to);
                }
            }
            catch (InvalidDataException e)
            {
                throw new InputException("body", $"The upload is not a checkpoint archive: {e.Message}.");
            }
            var missing = Required.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
            if (missing.Count > 0) throw new InputException("body", $"The checkpoint lacks {string.Join(", ", missing)}; a checkpoint carries {string.Join(", ", Required)}.");
        }
        finally
        {
            File.Delete(zip);
        }
    }

    /// <summary>Puts the unpacked folder in place of any earlier one of the same step (re-saved after a resume).</summary>
    private static void Replace(string staged, string final)
    {
        string? old = null;
        if (Directory.Exists(final))
        {
            old = $"{final}.replaced-{Guid.NewGuid():N}";
            Directory.Move(final, old);
        }
        Directory.Move(staged, final);
        if (old is not null) Directory.Delete(old, recursive: true);
    }

    /// <summary>Records the folder (relative to the data folder); the same step again keeps its row and id, which other runs may name as their base.</summary>
    private async Task<int> RecordAsync(AppDbContext db, int runId, int step, string folder, CancellationToken cancel)
    {
        string path = Path.GetRelativePath(DataDirectory, folder).Replace('\\', '/');
        var existing = await db.RunCheckpoints.FirstOrDefaultAsync(c => c.RunId == runId && c.Step == step, cancel);
        if (existing is null)
        {
            existing = new RunCheckpoint { RunId = runId, Step = step, Path = path, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.RunCheckpoints.Add(existing);
        }
        else existing.Path = path;
        await db.SaveChangesAsync(cancel);
        return existing.Id;
    }

    /// <summary>Keeps the run's newest save_total_limit checkpoints (0 keeps all), as the trainer does in the worker's folder.</summary>
    private async Task PruneAsync(int runId, string root, CancellationToken cancel)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var run = await db.Runs.AsNoTracking().Where(r => r.Id == runId).Select(r => new { r.Algorithm, r.ConfigJson }).FirstAsync(cancel);
        int limit = RunSpecs.Parse(run.Algorithm, JsonNode.Parse(run.ConfigJson)!.AsObject()).Trainer.SaveTotalLimit;
        if (limit <= 0) return;
        var complete = Directory.GetDirectories(root, Trainer.CheckpointPrefix + "*")
            .Select(d => (Dir: d, Step: int.TryParse(Path.GetFileName(d).AsSpan(Trainer.CheckpointPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int s) ? s : -1))
            .Where(c => c.Step >= 0 && File.Exists(Path.Combine(c.Dir, Checkpoint.OptimizerFileName)))
            .OrderBy(c => c.Step).ToList();
        foreach (var (dir, step) in complete.Take(complete.Count - limit))
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException e) { logger.LogWarning("Checkpoint {Step} of run {RunId} was not deleted yet: {Error}", step, runId, e.Message); }
        }
    }
}
