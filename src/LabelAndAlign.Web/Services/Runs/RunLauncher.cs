using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Labeling;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Labeling;
using LabelAndAlign.Web.Services.Workers;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Services.Runs;

/// <summary>What a launch asks for (the API's and the form's shape): a dataset, or a labeling project to freeze.</summary>
public sealed record LaunchRequest(string? Name, string? Algorithm, JsonObject? Config, int? DatasetId, int? BaseCheckpointId,
    int? RewardCheckpointId = null, int? ProjectId = null);

/// <summary>
/// Launches runs, all or nothing: the name, the options (<see cref="RunSpecs"/>), the source, the base and reward
/// checkpoints are checked together and every problem is reported at once, in the user's words, before anything is
/// written; only then is a labeling project frozen into a snapshot and the run queued.
/// </summary>
public sealed class RunLauncher(IDbContextFactory<AppDbContext> dbs, DatasetService datasets, ExportService exports, RunsNotifier notifier,
    EngineSignals signals, TimeProvider clock, DatabaseSettings settings, AuditLog audit)
{
    /// <summary>API fields: the run's name, algorithm, options (<c>config.&lt;key&gt;</c>) and sources, as the request names them.</summary>
    public const string NameField = "name", AlgorithmField = "algorithm", DatasetField = "source.datasetId", ProjectField = "source.projectId",
        BaseField = "baseCheckpointId", RewardField = "rewardCheckpointId";

    public static string OptionField(string key) => $"config.{key}";

    public async Task<Run> LaunchAsync(LaunchRequest request, int? userId, CancellationToken cancel = default)
    {
        var errors = new List<InputError>();
        string name = request.Name?.Trim() ?? "";
        if (name.Length == 0) errors.Add(new(NameField, "Give the run a name."));
        else if (name.Length > 200) errors.Add(new(NameField, $"The name is {name.Length} characters; keep it to 200."));

        RunSpec? spec = null;
        // Engine and device are matched to a worker that offers them when one claims the run, not checked against this process.
        try { spec = RunSpecs.Parse(request.Algorithm, request.Config); }
        catch (RunSpecException e) { errors.AddRange(e.Errors.Select(Field)); }
        var algorithm = Algorithms.TryParse(request.Algorithm);

        var source = await SourceAsync(request, algorithm, spec?.Options is DpoOptions { Online: true }, errors, cancel);
        string? baseFolder = await BaseAsync(request, algorithm, errors, cancel);
        bool rewardModel = await RewardAsync(request, errors, cancel);
        if (spec?.Options is DpoOptions { Judge: OnlineJudge.People, LabelProject: int labelProject }) await LabelProjectAsync(labelProject, errors, cancel);
        if (spec is not null)
        {
            GptConfig shape;
            if (baseFolder is not null) (spec, shape) = WithBaseModel(spec, request.Config, baseFolder, errors);
            else shape = spec.ModelShape(GptConfig.Preset(spec.Model).VocabSize); // a trained tokenizer never has more
            try { MemoryBudget.Check(spec, shape, MemoryBudget.Available()); }
            catch (RunSpecException e) { errors.AddRange(e.Errors.Select(Field)); }
            bool pack = source?.Dataset is { } d && DatasetService.PackOf(d) is not null;
            if (source is not null) errors.AddRange(RunFactory.CheckInputs(spec, rewardModel, pack).Select(Field));
        }
        if (errors.Count > 0) throw new InputException(errors);

        var dataset = source!.Value.Dataset ?? await datasets.SnapshotProjectAsync(source.Value.Project!.Id, exports, userId, cancel);
        var run = new Run
        {
            Name = name, Algorithm = spec!.Algorithm.WireName(), ConfigJson = RunSpecs.ToJson(spec).ToJsonString(), DatasetId = dataset.Id,
            BaseCheckpointId = request.BaseCheckpointId, RewardCheckpointId = request.RewardCheckpointId, Status = RunStatus.Queued,
            TotalSteps = spec.Trainer.MaxSteps, CreatedById = userId, CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        await using var db = await dbs.CreateDbContextAsync(cancel);
        db.Runs.Add(run);
        try
        {
            await db.SaveChangesAsync(cancel);
        }
        catch when (source.Value.Dataset is null)
        {
            // All or nothing: a snapshot no run trains on is not left behind.
            db.ChangeTracker.Clear();
            await db.Datasets.Where(d => d.Id == dataset.Id).ExecuteDeleteAsync(CancellationToken.None);
            throw;
        }
        await audit.RecordAsync("run.launch", $"run {run.Id} '{name}' ({run.Algorithm}) on dataset {dataset.Id}", userId, cancel);
        signals.Wake();
        notifier.PublishProgress(RunService.Progress(run));
        return run;
    }

    /// <summary>The table of options for <paramref name="algorithm"/>: what the launch form renders and <c>GET /api/runs/options</c> returns.</summary>
    public static IReadOnlyList<RunKeyInfo> Options(Algorithm algorithm) => RunKeys.Describe(algorithm);

    private static InputError Field(SpecError e) => e.Key switch
    {
        "algorithm" => new(AlgorithmField, e.Message),
        "reward_model" => new(RewardField, e.Message),
        _ => new(OptionField(e.Key), e.Message),
    };

    /// <summary>The dataset to train on, or the project to freeze into one; null when the source is missing or unusable (errors say why).</summary>
    private async Task<(Dataset? Dataset, Project? Project)?> SourceAsync(LaunchRequest request, Algorithm? algorithm, bool online, List<InputError> errors, CancellationToken cancel)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        if (request.DatasetId is int id)
        {
            var dataset = await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, cancel);
            if (dataset is null) errors.Add(new(DatasetField, $"There is no dataset {id}; choose one from the list."));
            else if (dataset.ArchivedAt is not null) errors.Add(new(DatasetField, Archived($"dataset '{dataset.Name}'", "Datasets", $"datasets/{id}")));
            else if (algorithm is { } a && !DatasetKind.AcceptedBy(a, online).Contains(dataset.Kind)) errors.Add(new(DatasetField, KindMismatch(a, online, $"dataset '{dataset.Name}'", dataset.Kind)));
            else return (dataset, null);
            return null;
        }
        if (request.ProjectId is int projectId)
        {
            var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == projectId, cancel);
            if (project is null) errors.Add(new(ProjectField, $"There is no labeling project {projectId}; choose one from the list."));
            else if (project.ArchivedAt is not null) errors.Add(new(ProjectField, Archived($"project '{project.Name}'", "Projects", $"projects/{projectId}")));
            else if (algorithm is { } a && !DatasetKind.AcceptedBy(a, online).Contains(DatasetKind.Preference)) errors.Add(new(ProjectField, KindMismatch(a, online, $"project '{project.Name}'", DatasetKind.Preference)));
            else return (null, project);
            return null;
        }
        errors.Add(new(DatasetField, "Choose a dataset (or a labeling project) to train on."));
        return null;
    }

    /// <summary>The project people judge an online DPO run's rounds in: it must exist and be open (leads and admins manage every project).</summary>
    private async Task LabelProjectAsync(int projectId, List<InputError> errors, CancellationToken cancel)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == projectId, cancel);
        if (project is null) errors.Add(new(OptionField("label_project"), $"There is no labeling project {projectId} to send the rounds to; choose one from the list."));
        else if (project.ArchivedAt is not null) errors.Add(new(OptionField("label_project"), Archived($"project '{project.Name}'", "Projects", $"projects/{projectId}")));
    }

    private static string KindMismatch(Algorithm algorithm, bool online, string what, string kind) =>
        $"{(online ? "Online " : "")}{algorithm.Label()} trains on {string.Join(" or ", DatasetKind.AcceptedBy(algorithm, online).Select(k => DatasetKind.Describe(k).ToLowerInvariant()))} data; {what} is {DatasetKind.Describe(kind).ToLowerInvariant()}.";

    /// <summary>The base checkpoint's folder, checked; null without one (an error when the algorithm needs one).</summary>
    private async Task<string?> BaseAsync(LaunchRequest request, Algorithm? algorithm, List<InputError> errors, CancellationToken cancel)
    {
        if (request.BaseCheckpointId is not int id)
        {
            if (algorithm is { } a && a.FineTunesPolicy())
                errors.Add(new(BaseField, $"{a.Label()} fine-tunes a policy: choose a base checkpoint (a checkpoint of an SFT run)."));
            return null;
        }
        var checkpoint = await CheckpointAsync(id, cancel);
        if (checkpoint is null)
        {
            errors.Add(new(BaseField, $"There is no checkpoint {id}; choose one from the list."));
            return null;
        }
        if (IsArchived(checkpoint.Value)) errors.Add(new(BaseField, Archived($"checkpoint {id}", "Runs", $"checkpoints/{id}")));
        else if (Folder(checkpoint.Value.Checkpoint) is { } folder) return folder;
        else errors.Add(new(BaseField, Pruned(checkpoint.Value)));
        return null;
    }

    /// <summary>Whether a reward model was chosen and is a usable reward run's checkpoint.</summary>
    private async Task<bool> RewardAsync(LaunchRequest request, List<InputError> errors, CancellationToken cancel)
    {
        if (request.RewardCheckpointId is not int id) return false;
        var checkpoint = await CheckpointAsync(id, cancel);
        if (checkpoint is not { } c) errors.Add(new(RewardField, $"There is no checkpoint {id}; choose one from the list."));
        else if (c.Run is null)
            errors.Add(new(RewardField, $"'{c.Checkpoint.Name}' is an uploaded model, not a reward model: train a reward run from it, then choose that run's checkpoint."));
        else if (c.Run.Algorithm != Algorithm.Reward.WireName())
            errors.Add(new(RewardField, $"'{c.Run.Name} · step {c.Checkpoint.Step}' is a checkpoint of a {Algorithms.TryParse(c.Run.Algorithm)?.Label() ?? c.Run.Algorithm} run, not a reward model: choose a checkpoint of a reward run."));
        else if (IsArchived(c)) errors.Add(new(RewardField, Archived($"checkpoint {id}", "Runs", $"checkpoints/{id}")));
        else if (Folder(c.Checkpoint) is null) errors.Add(new(RewardField, Pruned(c)));
        return true;
    }

    /// <summary>A checkpoint with its run; the run is null for an uploaded model.</summary>
    private async Task<(RunCheckpoint Checkpoint, Run? Run)?> CheckpointAsync(int id, CancellationToken cancel)
    {
        await using var db = await dbs.CreateDbContextAsync(cancel);
        var checkpoint = await db.RunCheckpoints.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancel);
        if (checkpoint is null) return null;
        var run = checkpoint.RunId is int r ? await db.Runs.AsNoTracking().FirstOrDefaultAsync(x => x.Id == r, cancel) : null;
        return (checkpoint, run);
    }

    private string? Folder(RunCheckpoint c) => CheckpointFiles.Existing(DataDirectory, c.Path);

    /// <summary>An archived checkpoint, or one of an archived run: hidden from the pickers, so not offered to a new run.</summary>
    private static bool IsArchived((RunCheckpoint Checkpoint, Run? Run) c) => c.Checkpoint.ArchivedAt is not null || c.Run?.ArchivedAt is not null;

    private static string Archived(string what, string page, string resource) =>
        $"The {what} is archived; restore it first (Show archived on the {page} page, then Restore; or POST /api/{resource}/restore), or choose another.";

    private static string Pruned((RunCheckpoint Checkpoint, Run? Run) c) => c.Run is null
        ? $"The files of the uploaded model '{c.Checkpoint.Name}' are gone from the data folder; upload it again."
        : $"The files of '{c.Run.Name} · step {c.Checkpoint.Step}' were deleted (its run keeps only the newest save_total_limit checkpoints); choose a newer checkpoint.";

    /// <summary>
    /// A run from a base checkpoint trains the base's shape, so that is what its options record; asking for another
    /// model shape is an error rather than silently ignored.
    /// </summary>
    private static (RunSpec Spec, GptConfig Shape) WithBaseModel(RunSpec spec, JsonObject? config, string baseFolder, List<InputError> errors)
    {
        var shape = Gpt2ConfigJson.Read(Path.Combine(baseFolder, Gpt2ConfigJson.FileName)) with { ScalarHead = spec.Algorithm == Algorithm.Reward };
        var described = spec.WithModelOf(shape);
        string[] modelKeys = ["model", "n_positions", "n_embd", "n_layer", "n_head"];
        var asked = RunSpecs.ToJson(spec);
        var has = RunSpecs.ToJson(described);
        foreach (var key in modelKeys.Where(k => config?.ContainsKey(k) == true && asked[k]?.ToJsonString() != has[k]?.ToJsonString()))
            errors.Add(new(OptionField(key), $"{key}: the base checkpoint decides the model ({Describe(shape)}); leave {key} unset, or start without a base checkpoint."));
        return (described, shape);
    }

    private static string Describe(GptConfig c) => $"{c.BlockSize} positions, n_embd {c.Channels}, {c.Layers} layers, {c.Heads} heads";

    private string DataDirectory => settings.DataDirectory;
}
