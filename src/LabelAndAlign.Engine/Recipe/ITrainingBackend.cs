using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.TaskPacks;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// A training engine that can train a <see cref="RunSpec"/>: our C# engine (<see cref="NativeBackend"/>), or TorchSharp.
/// The host registers the backends it has in <see cref="TrainingBackends"/>; <see cref="RunFactory"/> picks one by the
/// spec's <c>engine</c> and <c>device</c> keys and hands it a <see cref="TrainingJob"/>: everything model-independent
/// (typed examples, tokenizer, folders, rewards' sources, evaluation prompts) is decided before it.
/// <para>Contract for an implementation:</para>
/// <list type="bullet">
/// <item>Train exactly the job's spec: its algorithm and options, the trainer options (max_steps, batches, schedule,
/// save_steps, save_total_limit, logging_steps, eval_steps), and the seed. Log metrics under TRL's names.</item>
/// <item>Start from <see cref="TrainingJob.BaseCheckpoint"/> (a Hugging Face GPT-2 folder: config.json,
/// model.safetensors) or a new model of <see cref="RunSpec.ModelShape"/> over the tokenizer's vocabulary.</item>
/// <item>Write <c>checkpoint-&lt;step&gt;</c> folders into <see cref="TrainingJob.OutputFolder"/> that Hugging Face and
/// <see cref="Checkpoints.Checkpoint.Load"/> read (config.json, model.safetensors, tokenizer.json via
/// <see cref="TokenizerFiles.Save"/>), atomically (never a half-written folder under the final name), then call
/// <see cref="IRunReporter.Checkpoint"/>; call <see cref="IRunReporter.Flush"/> before writing each one.</item>
/// <item>Resume from the newest complete checkpoint of its own in the output folder when there is one, and call
/// <see cref="IRunReporter.Started"/> with the step it starts at (0 for a fresh run) before training.</item>
/// <item>Report every optimizer step (<see cref="IRunReporter.Progress"/>), metrics every logging_steps, evaluation
/// samples of <see cref="TrainingJob.EvalPrompts"/> every eval_steps and at each checkpoint.</item>
/// <item>Honour cancellation promptly, also inside a long step; a cancelled run saves a checkpoint of its last whole
/// step and returns <see cref="TrainResult.Cancelled"/>. Fail with an exception whose message says what to change.</item>
/// </list>
/// </summary>
public interface ITrainingBackend
{
    /// <summary><see cref="EngineChoice.Native"/> or <see cref="EngineChoice.Torch"/>: what the spec's <c>engine</c> key names.</summary>
    EngineChoice Engine { get; }

    /// <summary>The devices it can train on in this process, best first (never empty).</summary>
    IReadOnlyList<DeviceChoice> Devices { get; }

    /// <summary>Builds the model, trainer and everything the job needs, resuming when the output folder holds a checkpoint; nothing trains yet.</summary>
    IPreparedRun Prepare(TrainingJob job, CancellationToken cancel);
}

/// <summary>A backend's run, built and ready.</summary>
public interface IPreparedRun
{
    /// <summary>0, or the step of the checkpoint it resumes from.</summary>
    int StartStep { get; }

    /// <summary>The checkpoint folder it resumes from, or null.</summary>
    string? ResumedFrom { get; }

    /// <summary>Examples in one epoch (after the algorithm dropped what does not fit).</summary>
    int ExampleCount { get; }

    long ParameterCount { get; }

    /// <summary>Trains to max_steps or until <paramref name="cancel"/>; see the contract on <see cref="ITrainingBackend"/>.</summary>
    TrainResult Run(CancellationToken cancel);
}

/// <summary>What a backend gets: the spec and every model-independent input, decided by <see cref="RunFactory"/>.</summary>
public sealed record TrainingJob
{
    public required RunSpec Spec { get; init; }

    /// <summary>The device <see cref="TrainingBackends.Resolve"/> chose for the spec's <c>device</c> key (never Auto).</summary>
    public required DeviceChoice Device { get; init; }

    public required RunExamples Examples { get; init; }
    public required BpeTokenizer Tokenizer { get; init; }

    /// <summary>The model to start from (and, unless <see cref="ReferenceCheckpoint"/>, the frozen reference); null = a new model.</summary>
    public string? BaseCheckpoint { get; init; }

    /// <summary>A different frozen reference for DPO/PPO/GRPO and the samples' KL; null = the starting weights.</summary>
    public string? ReferenceCheckpoint { get; init; }

    /// <summary>A reward run's checkpoint (a scalar head): PPO's reward, one of GRPO's.</summary>
    public string? RewardCheckpoint { get; init; }

    /// <summary>The data's task pack: its programmatic reward scores completions (PPO without a reward model, GRPO, samples).</summary>
    public ITaskPack? Pack { get; init; }

    /// <summary>Where <c>checkpoint-&lt;step&gt;</c> folders go (and where a resume looks).</summary>
    public required string OutputFolder { get; init; }

    public required IReadOnlyList<PromptExample> EvalPrompts { get; init; }
    public required IRunReporter Reporter { get; init; }

    /// <summary>Online DPO judged by people: the way to their labeling project; null otherwise.</summary>
    public ILabelChannel? Labels { get; init; }
}
