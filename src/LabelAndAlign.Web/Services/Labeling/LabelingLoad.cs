namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>
/// Whether labelers are at work on this instance right now: someone has a labeling page open, or labeled, skipped or
/// took an item in the last <see cref="Window"/>. Workers that share this machine's cores compute on fewer threads
/// while it holds, so a label never waits for a training step.
/// </summary>
public sealed class LabelingLoad(LabelingPresence presence, LabelingEvents events)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(15);

    public bool Active => presence.Anyone || events.SinceLast < Window;
}
