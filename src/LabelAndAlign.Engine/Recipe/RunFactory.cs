using System.Text.Json.Nodes;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>What a run trains on, besides its spec: the dataset's rows and the folders it reads and writes.</summary>
public sealed record RunInputs
{
    public required RunSpec Spec { get; init; }

    /// <summary>The dataset's rows in TRL's JSON Lines formats (<see cref="DatasetRows"/>).</summary>
    public required IReadOnlyList<JsonObject> Rows { get; init; }

    /// <summary>Where the rows came from, for messages ("dataset 'reviews'", a file name).</summary>
    public string Source { get; init; } = "the dataset";

    /// <summary>The built-in task pack the rows came from, whose reward scores completions; null for other data.</summary>
    public ITaskPack? Pack { get; init; }

    public string? BaseCheckpoint { get; init; }
    public string? ReferenceCheckpoint { get; init; }
    public string? RewardCheckpoint { get; init; }

    /// <summary>A tokenizer folder to use rather than the base checkpoint's or a trained one.</summary>
    public string? Tokenizer { get; init; }

    /// <summary>Where a tokenizer trained for the run is kept; null = <c>&lt;output folder&gt;/tokenizer</c>.</summary>
    public string? TrainedTokenizerFolder { get; init; }

    /// <summary>Where checkpoints go; the run resumes from the newest one there.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>The evaluation prompts; null = the rows' first distinct prompts. At most the spec's num_eval_prompts are used.</summary>
    public IReadOnlyList<PromptExample>? EvalPrompts { get; init; }

    /// <summary>What a new tokenizer is trained on (a pack's corpus) and its vocabulary; null = the rows' texts and the preset's vocabulary.</summary>
    public Func<IEnumerable<string>>? TokenizerCorpus { get; init; }
    public int? TokenizerVocabSize { get; init; }

    /// <summary>Online DPO judged by people: the way to their labeling project (a web app's worker has one); null elsewhere.</summary>
    public ILabelChannel? Labels { get; init; }
}

/// <summary>How a run ended: the trainer's result, and the alert that stopped it, if one did.</summary>
public sealed record RunOutcome(TrainResult Result, string? Alert);

/// <summary>
/// The one way every host turns a spec and its inputs into a ready run — the web app's engine, <c>lna train</c>,
/// <c>lna align-eval</c>, a worker: it checks the inputs, picks the backend, parses the rows into typed examples,
/// settles the tokenizer and the evaluation prompts, wraps the reporter with the spec's alerts, and lets the backend
/// build the model and trainer (resuming when the output folder holds a checkpoint).
/// </summary>
public sealed class RunFactory(TrainingBackends backends)
{
    public TrainingBackends Backends => backends;

    /// <summary>Builds the run; throws <see cref="RunSpecException"/> for inputs the spec cannot use, before any heavy work.</summary>
    public PreparedRun Prepare(RunInputs inputs, IRunReporter reporter, CancellationToken cancel = default)
    {
        var spec = inputs.Spec;
        var errors = CheckInputs(spec, inputs.RewardCheckpoint is not null, inputs.Pack is not null).ToList();
        if (spec.Options is DpoOptions { Judge: OnlineJudge.People } && inputs.Labels is null)
            errors.Add(new("judge", "judge people sends its pairs to a labeling project of the web app: launch the run there (its workers carry the labels), or use judge auto with a reward model or a task pack's prompts."));
        if (errors.Count > 0) throw new RunSpecException(errors);
        var (backend, device) = backends.Resolve(spec);
        var examples = DatasetRows.Parse(spec, inputs.Rows, inputs.Source);
        var tokenizer = TokenizerSource.Resolve(inputs.OutputFolder, inputs.Tokenizer, inputs.BaseCheckpoint,
            inputs.TrainedTokenizerFolder ?? Path.Combine(inputs.OutputFolder, TokenizerSource.FolderName), inputs.TokenizerCorpus ?? (() => DatasetRows.Texts(inputs.Rows)), inputs.TokenizerVocabSize ?? Model.GptConfig.Preset(spec.Model).VocabSize);
        var evalPrompts = (inputs.EvalPrompts ?? DatasetRows.EvalPrompts(inputs.Rows, spec.NumEvalPrompts)).Take(spec.NumEvalPrompts).ToList();
        var watch = new AlertWatch(spec, reporter);
        var job = new TrainingJob
        {
            Spec = spec, Device = device, Examples = examples, Tokenizer = tokenizer, BaseCheckpoint = inputs.BaseCheckpoint,
            ReferenceCheckpoint = inputs.ReferenceCheckpoint, RewardCheckpoint = inputs.RewardCheckpoint, Pack = inputs.Pack,
            OutputFolder = inputs.OutputFolder, EvalPrompts = evalPrompts, Reporter = watch, Labels = inputs.Labels,
        };
        try
        {
            return new PreparedRun(backend.Prepare(job, cancel), watch, backend.Engine, device);
        }
        catch
        {
            watch.Dispose();
            throw;
        }
    }

    /// <summary>
    /// What a spec needs from its inputs (a launch checks this before queueing the run): PPO, GRPO and online DPO need a
    /// reward — a reward model or a task pack's — and only they take a reward model.
    /// </summary>
    public static IEnumerable<SpecError> CheckInputs(RunSpec spec, bool rewardModel, bool pack)
    {
        if (spec.NeedsReward && !rewardModel && !pack) yield return new("reward_model", RunRewards.NoReward(spec));
        if (!spec.NeedsReward && rewardModel)
            yield return new("reward_model", $"{spec.Algorithm.Label()} takes no reward model; a reward model scores completions for PPO, GRPO and online DPO.");
    }
}

/// <summary>A run built by <see cref="RunFactory"/>, ready to train.</summary>
public sealed class PreparedRun(IPreparedRun inner, AlertWatch alerts, EngineChoice engine, DeviceChoice device) : IDisposable
{
    public IPreparedRun Inner => inner;
    public EngineChoice Engine => engine;
    public DeviceChoice Device => device;

    /// <summary>Trains until max_steps, <paramref name="cancel"/>, or an alert (which stops it as a cancel does, with a checkpoint).</summary>
    public RunOutcome Run(CancellationToken cancel)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancel, alerts.Stop);
        var result = inner.Run(both.Token);
        return new RunOutcome(result, alerts.Reason);
    }

    public void Dispose() => alerts.Dispose();
}
