using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Web.Components.Shared;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Datasets;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Components.Pages.Runs;

/// <summary>
/// What the launch form holds before it is sent: the algorithm, name, source, checkpoints, preset and every option's
/// text (the run key table's keys, <see cref="RunLauncher.Options"/>), and the problems the launcher reported, by
/// the form's own fields. Plain state, so the rules (what a preset sets, what a base checkpoint fixes, what is sent,
/// when a run means many epochs) are testable without a browser.
/// </summary>
public sealed class LaunchDraft
{
    /// <summary>The form's fields for the launcher's: a project is chosen in the dataset select, so its problems show there.</summary>
    public const string NameField = RunLauncher.NameField, SourceField = RunLauncher.DatasetField, BaseField = RunLauncher.BaseField,
        RewardField = RunLauncher.RewardField, GeneralField = "";

    /// <summary>
    /// Passes over the data above which the form warns. TRL trains 3 epochs by default; a small model given many more
    /// passes over a few hundred rows learns them by heart rather than the task.
    /// </summary>
    public const double ManyEpochs = 10;

    /// <summary>The options a base checkpoint decides (the model's size and shape): hidden while one is chosen.</summary>
    public static bool FixedByBase(RunKeyInfo option) => option.Group == "model";

    /// <summary>Options shown above the rest, always open: how big, how long, how many prompts to sample.</summary>
    public static readonly IReadOnlyList<string> MainKeys = ["model", "max_steps", "num_eval_prompts"];

    /// <summary>DPO's "Learn from labels as they come" options, shown in their own section (<see cref="LaunchLabelLoop"/>), not among the rest.</summary>
    public static readonly IReadOnlyList<string> LoopKeys = ["judge", "label_project", "label_every", "label_pairs"];

    public Algorithm Algorithm { get; private set; } = Algorithm.Sft;
    public string Name { get; set; } = "";

    /// <summary>A dataset's id; a labeling project's id negated (one select serves both); 0 for none.</summary>
    public int SourceId { get; set; }

    public int BaseCheckpointId { get; set; }
    public int RewardCheckpointId { get; set; }
    public string Preset { get; private set; } = LaunchPresets.Quick;
    public IReadOnlyList<RunKeyInfo> Options { get; private set; } = [];
    public Dictionary<string, string> Values { get; private set; } = [];
    public Dictionary<string, string> Errors { get; private set; } = [];

    public bool HasBase => BaseCheckpointId != 0;

    /// <summary>Online DPO samples its pairs from prompts and needs a judge (a reward model or a pack's oracle), as PPO needs a reward.</summary>
    public bool Online => Algorithm == Algorithm.Dpo && Values.TryGetValue("online", out var v) && v == "true";

    /// <summary>Online DPO whose pairs people label, in rounds, in a labeling project (judge: people).</summary>
    public bool LearnsFromLabels => Online && Values.TryGetValue("judge", out var j) && j == "people";

    /// <summary>Whether the form asks for a reward model: PPO, GRPO and online DPO judged by a model or the pack's oracle.</summary>
    public bool NeedsReward => Algorithm.NeedsReward() || Online && !LearnsFromLabels;

    /// <summary>
    /// Turns "Learn from labels as they come" on (online DPO, people judging in the first open project unless one is
    /// chosen; a prompts dataset when none that fits is chosen) or off (back to the dataset's pairs).
    /// </summary>
    public void LearnFromLabels(bool on, IReadOnlyList<(int Id, string Name)> projects, IReadOnlyList<DatasetSummary> datasets)
    {
        Values["online"] = on ? "true" : "false";
        Values["judge"] = on ? "people" : "auto";
        if (on && Values.GetValueOrDefault("label_project") is null or "" && projects.Count > 0) Values["label_project"] = projects[0].Id.ToString(CultureInfo.InvariantCulture);
        if (!on) Values["label_project"] = "";
        if (!NeedsReward) RewardCheckpointId = 0;
        FitSource(AcceptedKinds, datasets);
    }

    /// <summary>The dataset kinds the run can train on now (online DPO takes prompts too).</summary>
    public IReadOnlyList<string> AcceptedKinds => DatasetKind.AcceptedBy(Algorithm, Online);

    /// <summary>The options the form shows now (a base checkpoint hides what it decides).</summary>
    public IEnumerable<RunKeyInfo> Shown => Options.Where(o => !(HasBase && FixedByBase(o)));

    /// <summary>Switches algorithm: its key table and the Quick preset; a source it cannot train on gives way to the first that it can.</summary>
    public void Select(Algorithm algorithm, IReadOnlyList<DatasetSummary> datasets)
    {
        Algorithm = algorithm;
        Options = RunLauncher.Options(algorithm);
        Errors = [];
        FitSource(DatasetKind.AcceptedBy(algorithm), datasets);
        ApplyPreset(LaunchPresets.Quick);
        if (!NeedsReward) RewardCheckpointId = 0;
    }

    /// <summary>A source the run cannot train on gives way to the first dataset it can (none chosen: the first too).</summary>
    private void FitSource(IReadOnlyList<string> accepted, IReadOnlyList<DatasetSummary> datasets)
    {
        if (SourceId > 0 && !datasets.Any(d => d.Id == SourceId && accepted.Contains(d.Kind))) SourceId = 0;
        if (SourceId < 0 && !accepted.Contains(DatasetKind.Preference)) SourceId = 0;
        if (SourceId == 0) SourceId = datasets.Where(d => accepted.Contains(d.Kind)).Select(d => d.Id).FirstOrDefault();
    }

    /// <summary>Every option back to its default, then the preset's values over them.</summary>
    public void ApplyPreset(string preset)
    {
        Preset = preset;
        Values = Options.ToDictionary(o => o.Key, o => Text(o.Default));
        if (LaunchPresets.For(Algorithm).TryGetValue(preset, out var values))
            foreach (var (k, v) in values)
                if (Values.ContainsKey(k)) Values[k] = v;
    }

    /// <summary>Prefills everything from a run (clone and edit): its algorithm, sources and stored options.</summary>
    public void CloneFrom(RunSummary run, Algorithm algorithm, IReadOnlyList<DatasetSummary> datasets)
    {
        Select(algorithm, datasets);
        Preset = "";
        Name = $"{run.Name} (copy)";
        SourceId = run.DatasetId ?? 0;
        BaseCheckpointId = run.BaseCheckpointId ?? 0;
        RewardCheckpointId = run.RewardCheckpointId ?? 0;
        foreach (var (key, value) in run.Config)
            if (Values.ContainsKey(key)) Values[key] = Text(value);
    }

    public bool Changed(RunKeyInfo o) => Values.TryGetValue(o.Key, out var v) && v != Text(o.Default);

    public int ChangedCount => Shown.Count(Changed);

    /// <summary>
    /// The typed options, only those changed from their defaults and shown (a base checkpoint's size is its own). Text
    /// that is not a number goes as it is, so the launcher names it together with every other problem.
    /// </summary>
    public JsonObject Config()
    {
        var config = new JsonObject();
        foreach (var o in Shown)
        {
            if (!Changed(o)) continue;
            string text = Values[o.Key].Trim();
            if (text.Length == 0 && o.Nullable) { config[o.Key] = null; continue; }
            config[o.Key] = o.Type switch
            {
                "boolean" => text == "true",
                "integer" or "number" when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) =>
                    o.Type == "integer" && d == Math.Floor(d) && Math.Abs(d) < 1e15 ? JsonValue.Create((long)d) : JsonValue.Create(d),
                _ => text,
            };
        }
        return config;
    }

    /// <summary>The launch as the launcher takes it; an empty name becomes the algorithm and the time.</summary>
    public LaunchRequest Request(DateTime now) => new(
        string.IsNullOrWhiteSpace(Name) ? $"{Algorithm.WireName()}-{now:MMdd-HHmmss}" : Name,
        Algorithm.WireName(), Config(), SourceId > 0 ? SourceId : null, HasBase ? BaseCheckpointId : null,
        NeedsReward && RewardCheckpointId != 0 ? RewardCheckpointId : null, SourceId < 0 ? -SourceId : null);

    /// <summary>
    /// The launcher's problems by the form's fields (a project's at the source select, an algorithm's in the summary),
    /// several at one field joined. The messages are the launcher's own, already in the user's words.
    /// </summary>
    public void Report(InputException e)
    {
        Errors = [];
        foreach (var error in e.Errors)
        {
            string field = error.Field == RunLauncher.ProjectField ? SourceField : error.Field;
            bool atField = field.StartsWith("config.", StringComparison.Ordinal) && Shown.Any(o => RunLauncher.OptionField(o.Key) == field)
                || field is NameField or SourceField or BaseField or RewardField;
            string key = atField ? field : GeneralField;
            Errors[key] = Errors.TryGetValue(key, out var before) ? $"{before} {error.Message}" : error.Message;
        }
    }

    public string? ErrorAt(string field) => Errors.GetValueOrDefault(field);

    public bool HasOptionErrors => Errors.Keys.Any(k => k.StartsWith("config.", StringComparison.Ordinal)
        && !MainKeys.Concat(LoopKeys).Any(m => k == RunLauncher.OptionField(m)));

    /// <summary>
    /// A warning when max_steps × the examples each step takes cover the chosen dataset more than <see cref="ManyEpochs"/>
    /// times; null when they do not, or when the size is not known yet (a project is counted when it is frozen).
    /// </summary>
    public string? EpochWarning(DatasetSummary? dataset)
    {
        if (dataset is not { Rows: > 0 } || !Long("max_steps", out long steps) || !Long("per_device_train_batch_size", out long batch)) return null;
        long accumulation = Long("gradient_accumulation_steps", out long g) ? g : 1;
        // GRPO takes one generated batch for num_iterations optimizer steps.
        long iterations = Algorithm == Algorithm.Grpo && Long("num_iterations", out long mu) && mu > 0 ? mu : 1;
        double examples = (double)steps * batch * accumulation / iterations;
        double epochs = examples / dataset.Rows;
        if (epochs <= ManyEpochs) return null;
        string what = NeedsReward ? "prompt" : "row";
        return $"{steps.ToString("N0", CultureInfo.InvariantCulture)} steps × {Words.Count(batch * accumulation / iterations, "example")} a step is "
            + $"{epochs.ToString("N0", CultureInfo.InvariantCulture)} passes (epochs) over the {Words.Count(dataset.Rows, what)} of “{dataset.Name}”: "
            + $"a model sees each {what} that many times and learns them by heart (TRL trains 3 epochs by default). "
            + $"Fewer steps, or a bigger dataset, train the task rather than these {what}s.";
    }

    private bool Long(string key, out long value)
    {
        value = 0;
        return Values.TryGetValue(key, out var text) && long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value > 0;
    }

    public static string Text(JsonNode? v) => v is null ? "" : v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
}
