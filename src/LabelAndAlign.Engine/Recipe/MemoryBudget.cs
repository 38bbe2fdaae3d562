using System.Globalization;
using LabelAndAlign.Engine.Model;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// What one training step of a spec needs in memory on the native engine, checked against the machine before anything
/// is allocated: a step that cannot fit fails at once with the figures, instead of growing until the OOM killer ends
/// the process. Counts the big buffers only (activations and logits of a forward/backward pass, a rollout's caches).
/// </summary>
public static class MemoryBudget
{
    /// <summary>The share of the memory this process may use that one step may take.</summary>
    public const double Share = 0.8;

    /// <summary>Bytes of the largest buffers one step of <paramref name="spec"/> on a model of <paramref name="shape"/> holds at once.</summary>
    public static long StepBytes(RunSpec spec, GptConfig shape)
    {
        long t = shape.BlockSize, c = shape.Channels, l = shape.Layers, h = shape.Heads, v = shape.VocabSize;
        // Per position: the layers' activations and backward scratch (~16C each, and attention's NH·T), logits and their gradient.
        long perPosition = l * (16 * c + h * t) + 3 * v;
        long batch = spec.Trainer.BatchSize, perStep = batch * spec.Trainer.GradientAccumulationSteps;
        long rowsPerPass = spec.Options switch
        {
            DpoOptions => 2 * batch,
            GrpoOptions g => batch * g.NumGenerations,
            _ => batch,
        };
        long pass = rowsPerPass * t * perPosition;
        long rolloutRows = spec.Options switch
        {
            PpoOptions => perStep,
            GrpoOptions g => perStep * g.NumGenerations,
            DpoOptions { Online: true } => 2 * perStep,
            _ => 0,
        };
        // A rollout keeps every row's key/value cache while it samples, then scores all rows in one pass (PPO: policy and value).
        long rollout = rolloutRows * (l * 2 * t * c + 2 * t * v);
        return 4 * Math.Max(pass, rollout);
    }

    /// <summary>Throws naming the options to lower when one step would not fit in <paramref name="availableBytes"/>.</summary>
    public static void Check(RunSpec spec, GptConfig shape, long availableBytes)
    {
        long need = StepBytes(spec, shape);
        if (need <= availableBytes * Share) return;
        string what = spec.Options switch
        {
            GrpoOptions => "per_device_train_batch_size, gradient_accumulation_steps or num_generations",
            PpoOptions => "per_device_train_batch_size or gradient_accumulation_steps",
            _ => "per_device_train_batch_size",
        };
        throw new RunSpecException(spec.Options is GrpoOptions ? "num_generations" : "per_device_train_batch_size",
            $"One training step would need about {Gb(need)} of memory (a model of {shape.BlockSize} positions, width {shape.Channels}, "
            + $"{shape.Layers} layers and a {shape.VocabSize:#,0}-token vocabulary); this machine has {Gb(availableBytes)} for it. Lower {what}.");
    }

    /// <summary>What this process may use: the container's or the machine's memory.</summary>
    public static long Available() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    private static string Gb(long bytes) => (bytes / (1024.0 * 1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " GB";
}
