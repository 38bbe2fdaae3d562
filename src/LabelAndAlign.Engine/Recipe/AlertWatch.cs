using System.Globalization;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// A spec's alerts (stop_on_kl_above, stop_on_reward_below) over a reporter: passes every report on, and when a
/// watched metric crosses its bound records why and cancels <see cref="Stop"/>, which the run is linked to.
/// </summary>
public sealed class AlertWatch(RunSpec spec, IRunReporter inner) : IRunReporter, IDisposable
{
    private static readonly string[] KlNames = ["objective/kl", "kl"];
    private static readonly string[] RewardNames = ["reward", "objective/scores", "objective/rlhf_reward"];

    private readonly CancellationTokenSource _stop = new();

    /// <summary>Cancelled when an alert trips.</summary>
    public CancellationToken Stop => _stop.Token;

    /// <summary>Why the run was stopped, or null.</summary>
    public string? Reason { get; private set; }

    public void Report(int step, string name, double value, DateTimeOffset time)
    {
        inner.Report(step, name, value, time);
        if (Reason is not null) return;
        if (spec.StopOnKlAbove is double kl && KlNames.Contains(name) && value > kl)
            Trip($"Stopped by alert: {name} = {G(value)} exceeded the bound {G(kl)} at step {step}.");
        else if (spec.StopOnRewardBelow is double r && RewardNames.Contains(name) && value < r)
            Trip($"Stopped by alert: {name} = {G(value)} fell below {G(r)} at step {step} (reward collapse).");
    }

    public void Report(int step, CheckpointSample sample, DateTimeOffset time) => inner.Report(step, sample, time);
    public void Started(int step) => inner.Started(step);
    public void Progress(int step) => inner.Progress(step);
    public void Flush() => inner.Flush();
    public void Checkpoint(int step, string folder) => inner.Checkpoint(step, folder);

    private void Trip(string reason)
    {
        Reason = reason;
        _stop.Cancel();
    }

    private static string G(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    public void Dispose() => _stop.Dispose();
}
