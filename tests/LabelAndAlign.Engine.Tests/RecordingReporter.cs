using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Tests;

/// <summary>An <see cref="IRunReporter"/> that keeps every call, and can cancel a run when a step is reached.</summary>
internal sealed class RecordingReporter : IRunReporter
{
    private readonly object _gate = new();

    public MemoryMetricsSink Sink { get; } = new();
    public List<int> Starts { get; } = [];
    public List<int> Progress { get; } = [];
    public List<(int Step, string Folder)> Checkpoints { get; } = [];
    public int Flushes { get; private set; }

    /// <summary>Cancelled once <see cref="CancelAtStep"/> steps are done.</summary>
    public CancellationTokenSource Cancel { get; } = new();
    public int CancelAtStep { get; init; } = -1;

    public void Report(int step, string name, double value, DateTimeOffset time) => Sink.Report(step, name, value, time);
    public void Report(int step, CheckpointSample sample, DateTimeOffset time) => Sink.Report(step, sample, time);

    public void Started(int step)
    {
        lock (_gate) Starts.Add(step);
    }

    void IRunReporter.Progress(int step)
    {
        lock (_gate) Progress.Add(step);
        if (step == CancelAtStep) Cancel.Cancel();
    }

    public void Flush()
    {
        lock (_gate) Flushes++;
    }

    public void Checkpoint(int step, string folder)
    {
        lock (_gate) Checkpoints.Add((step, folder));
    }

    /// <summary>Steps that have samples, in order, each once.</summary>
    public int[] SampleSteps() => Sink.Samples.Select(s => s.Step).Distinct().ToArray();

    /// <summary>(step, value) of a metric.</summary>
    public (int Step, double Value)[] Points(string name) => Sink.Metrics.Where(m => m.Name == name).Select(m => (m.Step, m.Value)).ToArray();
}
