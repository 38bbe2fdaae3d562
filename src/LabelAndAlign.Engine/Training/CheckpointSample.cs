namespace LabelAndAlign.Engine.Training;

/// <summary>
/// One completion of a fixed evaluation prompt, generated at a checkpoint, with its scores when the
/// run can compute them (see <see cref="SampleScorer"/>): <paramref name="Reward"/> from the run's reward
/// (its reward model, or a task pack's programmatic reward), <paramref name="Kl"/> the sequence KL to the
/// run's reference model, Σₜ log π_θ(yₜ) − log π_ref(yₜ); <paramref name="Tokens"/> the completion's length in tokens
/// (its EOS included). Null means "not computed", never zero.
/// </summary>
public sealed record CheckpointSample(string Prompt, string Completion, double? Reward = null, double? Kl = null, int? Tokens = null);
