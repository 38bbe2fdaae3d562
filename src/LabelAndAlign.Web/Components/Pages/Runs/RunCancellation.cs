using LabelAndAlign.Web.Components.Shared;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Runs;

namespace LabelAndAlign.Web.Components.Pages.Runs;

/// <summary>Cancelling a run from its page or the runs list: asked first (what happens to it, in numbers), then said.</summary>
public static class RunCancellation
{
    public static bool CanCancel(string status) => status is "Queued" or "Running";

    /// <summary>The question: a running run stops at its next step and keeps a checkpoint there; a queued one leaves the queue.</summary>
    public static string Question(string name, string status, int step) => status == "Running"
        ? $"Stop run “{name}” at its next step? It saves a checkpoint where it stops (now at step {step:N0})."
        : $"Cancel run “{name}” before it starts? It leaves the queue.";

    /// <summary>Asks, cancels (<paramref name="confirmed"/> runs once the person said yes), and says what happened; true when the run was told to stop.</summary>
    public static async Task<bool> ConfirmAndCancelAsync(Feedback feedback, RunService runs, int id, string name, string status, int step, Action? confirmed = null)
    {
        if (!await feedback.ConfirmAsync("Cancel run", Question(name, status, step), "Cancel run")) return false;
        confirmed?.Invoke();
        try
        {
            await runs.CancelAsync(id);
            feedback.Info(status == "Running" ? "Cancelling: the run stops at its next step." : "Cancelled before it started.");
            return true;
        }
        catch (InputException e)
        {
            feedback.Error(e.Message);
            return false;
        }
    }
}
