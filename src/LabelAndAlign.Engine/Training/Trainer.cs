using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LabelAndAlign.Engine.Checkpoints;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Optim;

namespace LabelAndAlign.Engine.Training;

/// <summary>How a <see cref="Trainer.Run"/> ended.</summary>
public sealed record TrainResult(int Step, bool Cancelled, IReadOnlyDictionary<string, double> LastMetrics, string? LastCheckpoint);

/// <summary>
/// The one training loop, knowing nothing about any algorithm or engine (it drives an <see cref="ITrainableGpt"/>,
/// native or torch): seeded shuffling by epoch,
/// micro-batches with gradient accumulation (each scaled by its share of the step's normaliser),
/// NaN/Inf guard, global-norm clipping, warmup + cosine schedule, AdamW, metrics, evaluation
/// hooks, checkpoints (weights + AdamW moments + trainer state) every N steps, resume with an
/// identical continuation, and cancellation at a step boundary (with a checkpoint).
/// </summary>
public sealed class Trainer
{
    public const string CheckpointPrefix = "checkpoint-";

    private readonly ITrainingAlgorithm _algorithm;
    private readonly LearningRateSchedule _schedule;
    private int[] _order = [];
    private int _orderEpoch = -1;
    private int[] _batch = [];
    private int _sampledAt = -1; // the step whose evaluation samples were reported (never twice for one step)
    private string? _savedAt;     // the checkpoint written (or resumed from) at the current step

    /// <summary>Trains a native model (its block in place) with the run's AdamW (<see cref="OptimizerOptions"/>).</summary>
    public Trainer(Gpt model, ITrainingAlgorithm algorithm, TrainerOptions options, IMetricsSink? metrics = null)
        : this(new NativeTrainableGpt(model, OptimizerOptions(options)), algorithm, options, metrics)
    {
    }

    /// <summary>Trains <paramref name="model"/> on any engine; build it with <see cref="OptimizerOptions"/> of the same options.</summary>
    public Trainer(ITrainableGpt model, ITrainingAlgorithm algorithm, TrainerOptions options, IMetricsSink? metrics = null)
    {
        options.Validate();
        if (algorithm.ExampleCount <= 0) throw new ArgumentException($"The {algorithm.Name} algorithm has no examples to train on.");
        if (algorithm.StepsPerBatch <= 0) throw new ArgumentException($"StepsPerBatch must be positive, found {algorithm.StepsPerBatch}.");
        Model = model;
        _algorithm = algorithm;
        Options = options;
        Metrics = metrics;
        _schedule = options.LrSchedulerType == LrSchedulerType.Cosine
            ? new LearningRateSchedule(options.LearningRate, Math.Min(options.WarmupSteps, options.MaxSteps), Math.Max(options.MaxSteps, options.WarmupSteps), options.LearningRate * options.MinLearningRateRatio)
            : options.WarmupSteps > 0
                ? new LearningRateSchedule(options.LearningRate, options.WarmupSteps, int.MaxValue, options.LearningRate)
                : LearningRateSchedule.Constant(options.LearningRate);
    }

    /// <summary>The AdamW a run's model trains with: the run's learning rate and weight decay, decaying the matrices only.</summary>
    public static AdamWOptions OptimizerOptions(TrainerOptions options) =>
        new() { LearningRate = options.LearningRate, WeightDecay = options.WeightDecay, DecayMatricesOnly = true };

    public ITrainableGpt Model { get; }
    public TrainerOptions Options { get; }
    public IMetricsSink? Metrics { get; }

    /// <summary>Receives generated text at every checkpoint (see <see cref="SampleGenerator"/>).</summary>
    public ISamplesSink? Samples { get; init; }

    /// <summary>
    /// Produces the samples of the fixed evaluation prompts, scored where it can (see <see cref="SampleScorer"/>);
    /// called every <see cref="TrainerOptions.EvalSteps"/> steps and at every checkpoint (once when both fall on a step).
    /// </summary>
    public Func<ITrainableGpt, IReadOnlyList<CheckpointSample>>? SampleGenerator { get; init; }

    /// <summary>
    /// Also sample the evaluation prompts before the first step, as step 0: the starting model's completions, which a
    /// fine-tuned run's checkpoints are judged against (win rate over checkpoints) and the reward–KL view starts from.
    /// </summary>
    public bool SampleStart { get; init; }

    /// <summary>
    /// Evaluation hook run every <see cref="TrainerOptions.EvalSteps"/> steps; its values are reported as-is (name them
    /// <c>eval/…</c>), beside the means of the evaluation samples' scores (<c>eval/reward</c>, <c>eval/kl</c>).
    /// </summary>
    public Func<ITrainableGpt, int, IReadOnlyDictionary<string, double>>? Evaluate { get; init; }

    /// <summary>Called after every optimizer step with the number of steps done (progress, whatever <see cref="TrainerOptions.LoggingSteps"/> is).</summary>
    public Action<int>? StepCompleted { get; init; }

    /// <summary>
    /// Called before each checkpoint is written, e.g. to make the metrics logged so far durable:
    /// a resume from the checkpoint never logs its steps again, so they must not be lost with a crash.
    /// </summary>
    public Action? BeforeCheckpoint { get; init; }

    /// <summary>Called with each checkpoint folder after it is written (e.g. to copy the tokenizer in).</summary>
    public Action<string>? CheckpointSaved { get; init; }

    /// <summary>Optimizer steps completed.</summary>
    public int Step { get; private set; }

    /// <summary>Epoch and position in its shuffled order where the next batch starts.</summary>
    public int Epoch { get; private set; }
    public int Position { get; private set; }

    /// <summary>
    /// Runs until <see cref="TrainerOptions.MaxSteps"/> or cancellation, which saves and returns, it does not throw.
    /// Cancellation is honoured inside a step too (between micro-batches, while a rollout generates): the unfinished
    /// step is rolled back (data position, the algorithm's state) before the checkpoint is saved, so a huge step
    /// never holds a cancel up and a resume repeats that step exactly.
    /// </summary>
    public TrainResult Run(CancellationToken cancel = default)
    {
        var o = Options;
        var bag = new MetricBag();
        var last = new Dictionary<string, double>(StringComparer.Ordinal);
        string? lastCheckpoint = null;
        int perStep = checked(o.BatchSize * o.GradientAccumulationSteps);
        int k = _algorithm.StepsPerBatch;
        if (SampleStart && Step == 0 && _sampledAt != 0 && Samples is not null && SampleGenerator is not null)
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var sample in SampleGenerator(Model)) Samples.Report(0, sample, now);
            _sampledAt = 0;
        }
        while (Step < o.MaxSteps)
        {
            if (cancel.IsCancellationRequested) return Stopped(last, lastCheckpoint);
            var rollback = new StepStart(Epoch, Position, _batch, _algorithm.SaveState());
            try
            {
                TakeStep(perStep, k, bag, cancel);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                (Epoch, Position, _batch) = (rollback.Epoch, rollback.Position, rollback.Batch);
                if (rollback.AlgorithmState is { } state) _algorithm.LoadState(state);
                return Stopped(last, lastCheckpoint);
            }
            Step++;
            _savedAt = null;

            foreach (var (name, value) in bag.Values()) last[name] = value;
            if (Metrics is not null && (Step % o.LoggingSteps == 0 || Step == o.MaxSteps))
            {
                var now = DateTimeOffset.UtcNow;
                foreach (var (name, value) in bag.Values()) Metrics.Report(Step, name, value, now);
            }
            StepCompleted?.Invoke(Step);
            if (o.EvalSteps > 0 && Step % o.EvalSteps == 0) RunEvaluation(last);
            bool save = o.OutputDir is not null && ((o.SaveSteps > 0 && Step % o.SaveSteps == 0) || Step == o.MaxSteps);
            if (save) lastCheckpoint = SaveCheckpoint();
        }
        return new TrainResult(Step, false, last, lastCheckpoint);
    }

    /// <summary>Where a step started: what a cancel in its middle restores.</summary>
    private sealed record StepStart(int Epoch, int Position, int[] Batch, string? AlgorithmState);

    private TrainResult Stopped(Dictionary<string, double> last, string? lastCheckpoint)
    {
        if (Options.OutputDir is not null) lastCheckpoint = _savedAt ?? SaveCheckpoint();
        return new TrainResult(Step, true, last, lastCheckpoint);
    }

    /// <summary>One optimizer step: rollout (when the algorithm has one), micro-batches, guards, clip, AdamW. Throws when cancelled before the update.</summary>
    private void TakeStep(int perStep, int k, MetricBag bag, CancellationToken cancel)
    {
        var o = Options;
        int iteration = Step % k;
        if (iteration == 0 || _batch.Length == 0) _batch = NextBatch(perStep);
        bag.Clear();
        Model.ZeroGrad();
        _algorithm.BeginStep(Model, Step, iteration, _batch, bag, cancel);

        double total = _algorithm.Weight(_batch);
        for (int s = 0; s < _batch.Length; s += o.BatchSize)
        {
            cancel.ThrowIfCancellationRequested();
            var micro = _batch.AsSpan(s, Math.Min(o.BatchSize, _batch.Length - s));
            double w = _algorithm.Weight(micro);
            if (w <= 0) continue;
            float scale = total > 0 ? (float)(w / total) : 0f;
            double loss = _algorithm.Accumulate(Model, micro, scale, bag);
            if (!double.IsFinite(loss)) throw new TrainingDivergedException(Step, "loss", loss);
        }
        cancel.ThrowIfCancellationRequested();
        foreach (var (name, value) in bag.Values())
            if (!double.IsFinite(value)) throw new TrainingDivergedException(Step, name, value);

        float gradNorm = Model.GradientNorm();
        if (!float.IsFinite(gradNorm)) throw new TrainingDivergedException(Step, "grad_norm", gradNorm);
        if (o.MaxGradNorm > 0 && GradClip.Coefficient(gradNorm, o.MaxGradNorm) is var clip && clip < 1f) Model.ScaleGradients(clip);
        float lr = _schedule.At(Step);
        Model.OptimizerStep(lr);
        bag.Set("grad_norm", gradNorm);
        bag.Set("learning_rate", lr);
        _algorithm.EndStep(Model, Step, bag);
        bag.Set("epoch", Epoch + (double)Position / _algorithm.ExampleCount);
    }

    /// <summary>
    /// The evaluation at an eval step: the evaluation samples (reported, and their mean reward, KL and length as
    /// <c>eval/…</c> metrics) and the <see cref="Evaluate"/> hook's values.
    /// </summary>
    private void RunEvaluation(Dictionary<string, double> last)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        if (SampleGenerator is not null)
        {
            var samples = SampleGenerator(Model);
            var now = DateTimeOffset.UtcNow;
            if (Samples is not null)
            {
                foreach (var sample in samples) Samples.Report(Step, sample, now);
                _sampledAt = Step;
            }
            Mean(values, "eval/reward", samples.Select(x => x.Reward));
            Mean(values, "eval/kl", samples.Select(x => x.Kl));
            Mean(values, "eval/completions/mean_length", samples.Select(x => (double?)x.Tokens));
        }
        if (Evaluate is not null) foreach (var (name, value) in Evaluate(Model, Step)) values[name] = value;
        var time = DateTimeOffset.UtcNow;
        foreach (var (name, value) in values)
        {
            last[name] = value;
            Metrics?.Report(Step, name, value, time);
        }
    }

    private static void Mean(Dictionary<string, double> values, string name, IEnumerable<double?> xs)
    {
        var finite = xs.OfType<double>().Where(double.IsFinite).ToList();
        if (finite.Count > 0) values[name] = finite.Average();
    }

    /// <summary>The next <paramref name="count"/> example indices, reshuffling at each epoch boundary.</summary>
    private int[] NextBatch(int count)
    {
        var batch = new int[count];
        int n = _algorithm.ExampleCount;
        for (int i = 0; i < count; i++)
        {
            if (Position >= n)
            {
                Epoch++;
                Position = 0;
            }
            if (_orderEpoch != Epoch) BuildOrder(n);
            batch[i] = _order[Position++];
        }
        return batch;
    }

    private void BuildOrder(int n)
    {
        // The order depends only on (seed, epoch): resuming rebuilds it instead of storing it.
        _order = new int[n];
        for (int i = 0; i < n; i++) _order[i] = i;
        new Random(unchecked(Options.Seed * 7919 + Epoch)).Shuffle(_order);
        _orderEpoch = Epoch;
    }

    /// <summary>Writes <c>checkpoint-&lt;step&gt;</c> under the output folder and prunes old ones; returns its path.</summary>
    public string SaveCheckpoint()
    {
        string root = Options.OutputDir ?? throw new InvalidOperationException("TrainerOptions.OutputDir is not set; there is nowhere to save checkpoints.");
        string dir = Path.Combine(root, CheckpointPrefix + Step.ToString(CultureInfo.InvariantCulture));
        var state = new JsonObject
        {
            ["algorithm"] = _algorithm.Name,
            ["step"] = Step,
            ["epoch"] = Epoch,
            ["position"] = Position,
            ["seed"] = Options.Seed,
            ["batch"] = new JsonArray(_batch.Select(i => (JsonNode)i).ToArray()),
        };
        // The samples first (unless this step's evaluation took them): BeforeCheckpoint stores what was reported (the web app flushes there),
        // so a crash right after the folder is written never loses this step's samples.
        if (_sampledAt != Step && Samples is not null && SampleGenerator is not null)
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var sample in SampleGenerator(Model)) Samples.Report(Step, sample, now);
            _sampledAt = Step;
        }
        BeforeCheckpoint?.Invoke();
        string? algoState = _algorithm.SaveState();
        if (algoState is not null) state["algorithm_state"] = JsonNode.Parse(algoState);
        WriteAtomically(dir, temp =>
        {
            Checkpoint.Save(temp, Model.Weights(), Model.OptimizerState(), state.ToJsonString());
            _algorithm.SaveFiles(temp);
        });
        CheckpointSaved?.Invoke(dir);
        Prune(root);
        _savedAt = dir;
        return dir;
    }

    /// <summary>
    /// Writes a checkpoint into <c>&lt;dir&gt;.tmp</c> and renames it into place, so a crash or a
    /// full disk never leaves a half-written <c>checkpoint-&lt;step&gt;</c> folder that a resume would
    /// pick. A failure to write throws <see cref="CheckpointWriteException"/> naming the folder.
    /// </summary>
    private static void WriteAtomically(string dir, Action<string> write)
    {
        string temp = dir + ".tmp";
        try
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            write(temp);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); // re-saving the same step (cancelled right after a resume)
            Directory.Move(temp, dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true); }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
            throw new CheckpointWriteException(dir, e);
        }
    }

    private void Prune(string root)
    {
        if (Options.SaveTotalLimit <= 0) return;
        var all = Checkpoints(root);
        for (int i = 0; i < all.Count - Options.SaveTotalLimit; i++)
        {
            try { Directory.Delete(all[i].Dir, recursive: true); }
            catch (IOException) { } // a checkpoint someone is reading stays; the next save tries again
        }
    }

    /// <summary>checkpoint-&lt;step&gt; folders under <paramref name="root"/>, oldest first.</summary>
    public static IReadOnlyList<(int Step, string Dir)> Checkpoints(string root)
    {
        if (!Directory.Exists(root)) return [];
        var list = new List<(int, string)>();
        foreach (var d in Directory.GetDirectories(root, CheckpointPrefix + "*"))
            if (int.TryParse(Path.GetFileName(d).AsSpan(CheckpointPrefix.Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s)
                && File.Exists(Path.Combine(d, Checkpoint.OptimizerFileName)))
                list.Add((s, d));
        return list.OrderBy(x => x.Item1).ToList();
    }

    /// <summary>The newest complete checkpoint under <paramref name="root"/>, or null.</summary>
    public static string? LatestCheckpoint(string root)
    {
        var all = Checkpoints(root);
        return all.Count == 0 ? null : all[^1].Dir;
    }

    /// <summary>
    /// Loads weights, AdamW moments and trainer state from <paramref name="checkpointDir"/> so that
    /// <see cref="Run"/> continues exactly as the interrupted run would have.
    /// </summary>
    public void Resume(string checkpointDir)
    {
        var (config, parameters) = Checkpoint.Load(checkpointDir);
        if (config != Model.Config)
            throw new InvalidDataException($"Checkpoint {checkpointDir} holds a model of shape {config}; this run's model is {Model.Config}.");
        Model.LoadWeights(parameters);
        var opt = Checkpoint.LoadOptimizer(checkpointDir, parameters.Count)
            ?? throw new FileNotFoundException($"Checkpoint {checkpointDir} has no {Checkpoint.OptimizerFileName}; it cannot be resumed, only loaded as weights.");
        Model.LoadOptimizerState(opt.State);
        var json = opt.TrainerStateJson ?? throw new InvalidDataException($"Checkpoint {checkpointDir} has no trainer state; it was not written by this trainer.");
        var state = JsonNode.Parse(json)!.AsObject();
        string algo = state["algorithm"]?.GetValue<string>() ?? "";
        if (algo != _algorithm.Name)
            throw new InvalidDataException($"Checkpoint {checkpointDir} was written by the '{algo}' trainer; this run is '{_algorithm.Name}'.");
        Step = state["step"]!.GetValue<int>();
        Epoch = state["epoch"]!.GetValue<int>();
        Position = state["position"]!.GetValue<int>();
        _batch = state["batch"]?.AsArray().Select(n => n!.GetValue<int>()).ToArray() ?? [];
        _orderEpoch = -1;
        // That checkpoint's samples were reported by the run that wrote it.
        _sampledAt = Step;
        _savedAt = checkpointDir;
        _algorithm.LoadFiles(checkpointDir);
        if (state["algorithm_state"] is JsonNode a) _algorithm.LoadState(a.ToJsonString());
    }
}
