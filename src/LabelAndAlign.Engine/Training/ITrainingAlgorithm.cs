namespace LabelAndAlign.Engine.Training;

/// <summary>
/// What an algorithm (SFT, reward model, DPO, PPO, GRPO) plugs into <see cref="Trainer"/>: its
/// examples, its loss and gradients for a micro-batch, its metrics. The trainer owns everything
/// else (order, accumulation, clipping, schedule, optimizer, checkpoints, guards).
/// </summary>
public interface ITrainingAlgorithm
{
    /// <summary>Short name stored in checkpoints (<c>sft</c>, <c>dpo</c>, …).</summary>
    string Name { get; }

    /// <summary>Examples in one epoch; the trainer shuffles indices in [0, ExampleCount).</summary>
    int ExampleCount { get; }

    /// <summary>
    /// Optimizer steps taken on each batch of examples before the next batch is drawn
    /// (PPO's epochs per rollout, GRPO's num_iterations); 1 for supervised algorithms.
    /// </summary>
    int StepsPerBatch => 1;

    /// <summary>
    /// The micro-batch's share of the step's normaliser (examples by default; SFT returns its
    /// target-token count so that accumulated micro-batches equal one big batch exactly).
    /// </summary>
    double Weight(ReadOnlySpan<int> examples) => examples.Length;

    /// <summary>
    /// Called once per optimizer step before the micro-batches, with every example of the step
    /// and <paramref name="iteration"/> in [0, <see cref="StepsPerBatch"/>): PPO and GRPO roll out here when it is 0.
    /// A rollout honours <paramref name="cancel"/> (throws <see cref="OperationCanceledException"/>); the trainer then
    /// restores the state <see cref="SaveState"/> gave before the step.
    /// </summary>
    void BeginStep(ITrainableGpt model, int step, int iteration, IReadOnlyList<int> examples, MetricBag metrics, CancellationToken cancel) { }

    /// <summary>
    /// Forward, loss and backward for <paramref name="examples"/>, ADDING gradients scaled by
    /// <paramref name="lossScale"/> into the model's gradients (through its passes, on either engine). Records metrics (weighted by
    /// <paramref name="lossScale"/>) into <paramref name="metrics"/>; returns the unscaled mean loss.
    /// </summary>
    double Accumulate(ITrainableGpt model, ReadOnlySpan<int> examples, float lossScale, MetricBag metrics);

    /// <summary>After the optimizer update of <paramref name="step"/> (refresh samplers, adapt a KL coefficient).</summary>
    void EndStep(ITrainableGpt model, int step, MetricBag metrics) { }

    /// <summary>
    /// Algorithm state that must survive a resume (JSON object text), or null. Also taken before every step, so keep
    /// it small at a batch boundary (drop a spent rollout in <see cref="EndStep"/>).
    /// </summary>
    string? SaveState() => null;

    /// <summary>Restores what <see cref="SaveState"/> returned.</summary>
    void LoadState(string state) { }

    /// <summary>
    /// Writes state too large for <see cref="SaveState"/>'s JSON (a PPO value model and its optimizer)
    /// as files into the checkpoint folder being written, <paramref name="checkpointDir"/>.
    /// </summary>
    void SaveFiles(string checkpointDir) { }

    /// <summary>Restores what <see cref="SaveFiles"/> wrote; a resume calls it before <see cref="LoadState"/>.</summary>
    void LoadFiles(string checkpointDir) { }
}
