using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Tokenization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// A training backend over one engine's model math (<see cref="IGptEngine"/>): the GPT, the algorithm's trainer, the
/// evaluation samples and their scores, checkpoints with the tokenizer inside, and the resume from the newest one —
/// the same code for every engine, so a spec trains the same way (data, batches, losses, metrics, checkpoint names,
/// evaluation cadence, resume state) on the native engine (<see cref="NativeBackend"/>) and on libtorch.
/// </summary>
public abstract class GptBackend : ITrainingBackend
{
    public abstract EngineChoice Engine { get; }
    public abstract IReadOnlyList<DeviceChoice> Devices { get; }

    /// <summary>The engine's model math on <paramref name="device"/> (one of <see cref="Devices"/>).</summary>
    protected abstract IGptEngine ModelEngine(DeviceChoice device);

    /// <summary>Refuses a step that cannot fit, before the first big allocation: by default against this process's memory.</summary>
    protected virtual void CheckMemory(RunSpec spec, GptConfig shape, DeviceChoice device) => MemoryBudget.Check(spec, shape, MemoryBudget.Available());

    public IPreparedRun Prepare(TrainingJob job, CancellationToken cancel)
    {
        var spec = job.Spec;
        var tokenizer = job.Tokenizer;
        var shape = Shape(job);
        CheckMemory(spec, shape, job.Device);
        var engine = ModelEngine(job.Device);
        var start = StartingWeights(job);
        // A reward model's head (and a new model) drawn from the seed, the body from the starting weights.
        var initial = new ParameterTensors(shape);
        Gpt.InitializeWeights(initial, spec.Trainer.Seed);
        CopyBody(start, initial);

        // The frozen reference: an explicit one, else the starting weights (never trained: the policy has its own block).
        // A new model trained with SFT or as a reward model has none, so its samples carry no KL.
        ParameterTensors? reference = job.ReferenceCheckpoint is { } r ? LanguageModel(Checkpoint.Load(r).Parameters)
            : job.BaseCheckpoint is not null || spec.Algorithm.FineTunesPolicy() ? start : null;
        var owned = new List<IDisposable>();
        try
        {
            var rewards = RunRewards.For(job, tokenizer, engine);
            owned.Add(rewards);
            var algorithm = BuildAlgorithm(job, engine, shape, reference, rewards, cancel);
            if (algorithm is IDisposable a) owned.Add(a);
            var model = engine.Trainable(initial, Trainer.OptimizerOptions(spec.Trainer));
            owned.Add(model);
            EvalSampler? sampler = null;
            if (spec.Algorithm.WritesText() && job.EvalPrompts.Count > 0)
            {
                var frozenReference = reference is null ? null : engine.Frozen(reference);
                if (frozenReference is not null) owned.Add(frozenReference);
                sampler = new EvalSampler(tokenizer, job.EvalPrompts, MaxNewTokens(job), spec.Trainer.Seed, rewards.Scorer(frozenReference));
            }
            return Prepare(job, model, algorithm, sampler, owned);
        }
        catch
        {
            foreach (var d in owned) d.Dispose();
            throw;
        }
    }

    private static IPreparedRun Prepare(TrainingJob job, ITrainableGpt model, ITrainingAlgorithm algorithm, EvalSampler? sampler, List<IDisposable> owned)
    {
        var tokenizer = job.Tokenizer;
        var reporter = job.Reporter;
        var trainer = new Trainer(model, algorithm, job.Spec.Trainer with { OutputDir = job.OutputFolder }, reporter)
        {
            Samples = sampler is null ? null : reporter,
            SampleGenerator = sampler is null ? null : sampler.Sample,
            // The starting model, as step 0, wherever there is one to judge checkpoints against (Samples shows it beside them).
            SampleStart = job.Spec.Algorithm.FineTunesPolicy() || job.BaseCheckpoint is not null,
            // A checkpoint's steps are never logged again after a resume from it: store them first.
            BeforeCheckpoint = reporter.Flush,
            CheckpointSaved = dir => Complete(dir, tokenizer, reporter),
            StepCompleted = reporter.Progress,
        };
        string? latest = Trainer.LatestCheckpoint(job.OutputFolder);
        if (latest is not null)
        {
            trainer.Resume(latest);
            // A crash between writing the folder and completing it leaves it without its tokenizer: finish that.
            if (!TokenizerSource.HasTokenizer(latest)) Complete(latest, tokenizer, reporter);
            else reporter.Checkpoint(trainer.Step, latest);
        }
        reporter.Started(trainer.Step);
        return new PreparedRun(trainer, latest, algorithm.ExampleCount, owned);
    }

    /// <summary>A built run; it frees the engine's models (device memory) when it has run.</summary>
    private sealed class PreparedRun(Trainer trainer, string? resumedFrom, int examples, List<IDisposable> owned) : IPreparedRun
    {
        public int StartStep { get; } = trainer.Step;
        public string? ResumedFrom => resumedFrom;
        public int ExampleCount => examples;
        public long ParameterCount => trainer.Model.ParameterCount;

        public TrainResult Run(CancellationToken cancel)
        {
            try
            {
                return trainer.Run(cancel);
            }
            finally
            {
                foreach (var d in owned) d.Dispose();
            }
        }
    }

    /// <summary>The trained model's shape: the base checkpoint's (read from its config.json alone) or the spec's, with a scalar head for a reward model.</summary>
    private static GptConfig Shape(TrainingJob job)
    {
        int vocab = job.Tokenizer.VocabSize;
        var shape = job.BaseCheckpoint is { } dir ? Gpt2ConfigJson.Read(Path.Combine(dir, Gpt2ConfigJson.FileName)) : job.Spec.ModelShape(vocab);
        if (shape.VocabSize < vocab)
            throw new InvalidDataException($"The base checkpoint {job.BaseCheckpoint} has a vocabulary of {shape.VocabSize} tokens; its tokenizer needs {vocab}. Use the tokenizer saved with it.");
        return shape with { ScalarHead = job.Spec.Algorithm == Algorithm.Reward };
    }

    /// <summary>The base checkpoint's language model (a reward model's trunk without its head), or a new model of the spec's shape.</summary>
    private static ParameterTensors StartingWeights(TrainingJob job)
    {
        if (job.BaseCheckpoint is { } dir) return LanguageModel(Checkpoint.Load(dir).Parameters);
        var fresh = new ParameterTensors(job.Spec.ModelShape(job.Tokenizer.VocabSize) with { ScalarHead = false });
        Gpt.InitializeWeights(fresh, job.Spec.Trainer.Seed);
        return fresh;
    }

    private static ParameterTensors LanguageModel(ParameterTensors p)
    {
        if (!p.Config.ScalarHead) return p;
        var lm = new ParameterTensors(p.Config with { ScalarHead = false });
        CopyBody(p, lm);
        return lm;
    }

    private static ITrainingAlgorithm BuildAlgorithm(TrainingJob job, IGptEngine engine, GptConfig shape, ParameterTensors? reference, RunRewards rewards, CancellationToken cancel)
    {
        var tokenizer = job.Tokenizer;
        var examples = job.Examples;
        switch (job.Spec.Options)
        {
            case SftOptions sft:
                return new SftTrainer(Require(examples.Sft, "SFT").Select(e => ChatTemplate.Tokenize(tokenizer, e)).ToList(), tokenizer.PadId, shape, sft);
            case RewardOptions reward:
                return new RewardTrainer(Pairs(examples, tokenizer), tokenizer.PadId, shape, reward);
            case DpoOptions { Online: true } online:
                IOnlineLabels labels = online.Judge == OnlineJudge.People
                    ? new PeopleLabels(job.Labels ?? throw new RunSpecException("judge", "judge people needs the way to its labeling project; launch the run from the web app."), online, job.Spec.Trainer.Seed)
                    : new JudgeLabels(rewards.OnlineDpo());
                return new OnlineDpoTrainer(Require(examples.Prompts, "prompt"), tokenizer, labels, reference!, online, job.Spec.Trainer.Seed, engine);
            case DpoOptions dpo:
                return new DpoTrainer(Pairs(examples, tokenizer), reference!, tokenizer.PadId, dpo, cancel, engine);
            case PpoOptions ppo:
                return new PpoTrainer(Require(examples.Prompts, "PPO"), tokenizer, rewards.Ppo(), reference!, ppo, job.Spec.Trainer.Seed, engine);
            case GrpoOptions grpo:
                return new GrpoTrainer(Require(examples.Prompts, "GRPO"), tokenizer, rewards.Grpo(), grpo.Beta > 0 ? reference : null, grpo, job.Spec.Trainer.Seed, engine);
            default:
                throw new ArgumentOutOfRangeException(nameof(job), job.Spec.Options.GetType().Name, "Unknown algorithm options.");
        }
    }

    private static List<TokenizedPreference> Pairs(RunExamples examples, ITokenizer tokenizer) =>
        Require(examples.Preferences, "preference").Select(p => new TokenizedPreference(ChatTemplate.EncodePrompt(tokenizer, p.Prompt),
            ChatTemplate.EncodeCompletion(tokenizer, p.Chosen), ChatTemplate.EncodeCompletion(tokenizer, p.Rejected), (float)p.Margin)).ToList();

    private static IReadOnlyList<T> Require<T>(IReadOnlyList<T>? list, string what) =>
        list ?? throw new ArgumentException($"The job's examples are not {what} examples; parse the rows for the spec's algorithm (DatasetRows.Parse).");

    /// <summary>Evaluation completions as long as the run's own (PPO, GRPO, online DPO), else the pack's longest answer, else 48 tokens.</summary>
    private static int MaxNewTokens(TrainingJob job) => job.Spec.Options switch
    {
        PpoOptions p => p.MaxCompletionLength,
        GrpoOptions g => g.MaxCompletionLength,
        DpoOptions { Online: true } d => d.MaxNewTokens,
        _ => job.Pack?.MaxCompletionTokens ?? 48,
    };

    /// <summary>
    /// Completes a written checkpoint folder with the tokenizer, then reports it: a reported checkpoint has every file
    /// in place, so it can be loaded, downloaded or used as a base.
    /// </summary>
    private static void Complete(string dir, BpeTokenizer tokenizer, IRunReporter reporter)
    {
        try { TokenizerFiles.Save(tokenizer, dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CheckpointWriteException(dir, e); }
        reporter.Checkpoint(StepOf(dir), dir);
    }

    private static int StepOf(string dir) =>
        int.Parse(Path.GetFileName(dir).AsSpan(Trainer.CheckpointPrefix.Length), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Copies every tensor the two layouts share (all but the scalar head).</summary>
    internal static void CopyBody(ParameterTensors from, ParameterTensors to)
    {
        for (int i = 0; i < ParameterTensors.Names.Length; i++)
            if (from.SizeOf(i) == to.SizeOf(i) && from.SizeOf(i) > 0) from.Slice(i).CopyTo(to.Slice(i));
    }
}
