using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// Where a run's results go while it trains, whichever backend trains it: the web app's recorder (database + live
/// charts), <c>lna train</c>'s JSONL files, a worker's uplink. Called on the training thread; calls must be cheap or
/// buffered (a slow reporter slows the run).
/// </summary>
public interface IRunReporter : IMetricsSink, ISamplesSink
{
    /// <summary>
    /// Training starts at <paramref name="step"/>: 0, or the step of the checkpoint it resumes from. Anything recorded
    /// for later steps (by an interrupted attempt) is void and must be dropped, so no step is recorded twice.
    /// </summary>
    void Started(int step);

    /// <summary>Optimizer steps done, after every step (metrics may be logged less often).</summary>
    void Progress(int step);

    /// <summary>Make everything reported so far durable: called before each checkpoint is written (a resume never repeats its steps).</summary>
    void Flush();

    /// <summary>A complete checkpoint (weights, optimizer, trainer state, tokenizer) of <paramref name="step"/> is in <paramref name="folder"/>.</summary>
    void Checkpoint(int step, string folder);
}
