using System.Globalization;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// The rules that tie keys together (each key's own bounds are in <see cref="RunKeys"/>): how many examples and
/// sampled completions one step may hold, so that no combination of in-bounds options can exhaust memory; the model
/// shape; option pairs that exclude each other (an engine and a device it lacks).
/// </summary>
public static class SpecRules
{
    /// <summary>Examples in one optimizer step (per_device_train_batch_size × gradient_accumulation_steps).</summary>
    public const int MaxExamplesPerStep = 65_536;

    /// <summary>Completions a PPO, GRPO or online DPO step samples at once (its rollout holds all of them and their caches).</summary>
    public const int MaxCompletionsPerStep = 2_048;

    public static IEnumerable<SpecError> Check(RunSpec spec)
    {
        var t = spec.Trainer;
        long perStep = (long)t.BatchSize * t.GradientAccumulationSteps;
        if (perStep > MaxExamplesPerStep)
            yield return new("gradient_accumulation_steps",
                $"per_device_train_batch_size × gradient_accumulation_steps = {N(perStep)} examples per step; keep it at most {N(MaxExamplesPerStep)}.");
        else if (spec.Options is PpoOptions && perStep > MaxCompletionsPerStep)
            yield return new("gradient_accumulation_steps",
                $"PPO samples a completion for every example of a step: per_device_train_batch_size × gradient_accumulation_steps = {N(perStep)} at once; keep it at most {N(MaxCompletionsPerStep)}.");
        else if (spec.Options is DpoOptions { Online: true } && 2 * perStep > MaxCompletionsPerStep)
            yield return new("gradient_accumulation_steps",
                $"Online DPO samples two completions for every example of a step: 2 × per_device_train_batch_size × gradient_accumulation_steps = {N(2 * perStep)} at once; keep it at most {N(MaxCompletionsPerStep)}.");
        if (spec.Options is GrpoOptions grpo && perStep * grpo.NumGenerations > MaxCompletionsPerStep)
            yield return new("num_generations",
                $"GRPO samples num_generations completions for every example of a step: per_device_train_batch_size × gradient_accumulation_steps × num_generations = {N(perStep * grpo.NumGenerations)} at once; keep it at most {N(MaxCompletionsPerStep)}.");
        if (spec.Options is DpoOptions { LossType: DpoLossType.Ipo or DpoLossType.Hinge, LabelSmoothing: > 0 } dpo)
            yield return new("label_smoothing",
                $"label_smoothing applies to the sigmoid and robust losses, not {dpo.LossType.ToString().ToLowerInvariant()}; set it to 0 or change loss_type.");
        if (spec.Engine == EngineChoice.Native && spec.Device == DeviceChoice.Cuda)
            yield return new("device", "device: cuda is the torch engine's; the native engine trains on the CPU only. Choose engine torch (or auto), or device cpu.");
        var preset = GptConfig.Preset(spec.Model);
        int embd = spec.NEmbd ?? preset.Channels, heads = spec.NHead ?? preset.Heads;
        if (embd % heads != 0)
            yield return new(spec.NHead is null ? "n_embd" : "n_head", $"n_embd ({embd}) must be a multiple of n_head ({heads}).");
    }

    private static string N(long v) => v.ToString("#,0", CultureInfo.InvariantCulture);
}
