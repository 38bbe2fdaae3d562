using System.Globalization;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Components.Pages.Samples;

/// <summary>
/// One column of the samples page: a run's evaluation samples at one of its evaluations (a step; step 0 is the model
/// before training), that evaluation's means, and what is left of its checkpoint.
/// </summary>
public sealed class SampleView(int index)
{
    public int Index { get; } = index;
    public int RunId { get; private set; }
    public IReadOnlyList<RunSample> Samples { get; private set; } = [];
    public IReadOnlyList<SampleStep> Evaluations { get; private set; } = [];
    public int StepIndex { get; set; }

    public SampleStep? Current => Evaluations.Count == 0 ? null : Evaluations[Math.Clamp(StepIndex, 0, Evaluations.Count - 1)];
    public int Step => Current?.Step ?? 0;
    public IEnumerable<RunSample> Shown => Samples.Where(s => s.Step == Step);

    /// <summary>Reads the run's samples and evaluations, and shows its newest evaluation.</summary>
    public async Task LoadAsync(RunService runs, int runId)
    {
        RunId = runId;
        Samples = runId == 0 ? [] : await runs.SamplesAsync(runId);
        Evaluations = runId == 0 ? [] : await runs.SampleStepsAsync(runId);
        StepIndex = Math.Max(0, Evaluations.Count - 1);
    }

    /// <summary>The same run's samples as <paramref name="other"/>, without reading them again.</summary>
    public void CopyRun(SampleView other)
    {
        RunId = other.RunId;
        Samples = other.Samples;
        Evaluations = other.Evaluations;
    }

    /// <summary>Shows the evaluation at <paramref name="step"/> or the first after it (the newest when past the end).</summary>
    public void Seek(int step)
    {
        int i = Evaluations.ToList().FindIndex(e => e.Step >= step);
        StepIndex = i < 0 ? Math.Max(0, Evaluations.Count - 1) : i;
    }

    /// <summary>The first evaluation: before training when the run sampled its starting model (step 0).</summary>
    public void First() => StepIndex = 0;

    public bool BeforeTraining => Current is { Step: 0 };

    /// <summary>What a column is headed: the model before training, or the step and whether a checkpoint was saved there.</summary>
    public string Title => Current switch
    {
        null => "No samples yet",
        { Step: 0 } => "Before training: the starting model",
        { CheckpointId: not null } => $"Checkpoint at step {Step.ToString("N0", CultureInfo.InvariantCulture)}",
        _ => $"Step {Step.ToString("N0", CultureInfo.InvariantCulture)}",
    };

    /// <summary>The mean of a score over the samples of <paramref name="step"/>; null when none has it (no reward model, no reference).</summary>
    public static double? Mean(IEnumerable<RunSample> samples, int step, Func<RunSample, double?> score)
    {
        var values = samples.Where(s => s.Step == step).Select(score).OfType<double>().Where(double.IsFinite).ToList();
        return values.Count == 0 ? null : values.Average();
    }

    /// <summary>
    /// Three decimals, or three significant digits for a value too small for them (a KL of 0.0004 is not 0); "—" when
    /// the run could not compute it (no reference, no reward).
    /// </summary>
    public static string Stat(double? value) => value switch
    {
        null => "—",
        double v when v != 0 && Math.Abs(v) < 0.001 => v.ToString("0.##E+0", CultureInfo.InvariantCulture),
        double v => v.ToString("0.###", CultureInfo.InvariantCulture),
    };
}
