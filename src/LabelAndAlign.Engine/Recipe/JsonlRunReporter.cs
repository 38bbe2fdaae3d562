using System.Text.Json;
using LabelAndAlign.Engine.Training;

namespace LabelAndAlign.Engine.Recipe;

/// <summary>
/// A run's reports as files in its output folder: <c>metrics.jsonl</c> and <c>samples.jsonl</c>
/// (<see cref="JsonlMetricsSink"/>, <see cref="JsonlSamplesSink"/>). When a run resumes, lines of later steps (written
/// by the attempt that was interrupted) and a line cut short by a crash are dropped first, so each step is in the files once.
/// </summary>
public sealed class JsonlRunReporter(string folder) : IRunReporter, IDisposable
{
    public const string MetricsFile = "metrics.jsonl", SamplesFile = "samples.jsonl";

    private JsonlMetricsSink? _metrics;
    private JsonlSamplesSink? _samples;

    public string MetricsPath => Path.Combine(folder, MetricsFile);
    public string SamplesPath => Path.Combine(folder, SamplesFile);

    public void Started(int step)
    {
        Dispose();
        TruncateAfter(MetricsPath, step);
        TruncateAfter(SamplesPath, step);
        _metrics = new JsonlMetricsSink(MetricsPath);
        _samples = new JsonlSamplesSink(SamplesPath);
    }

    public void Report(int step, string name, double value, DateTimeOffset time) => Open().Metrics.Report(step, name, value, time);
    public void Report(int step, CheckpointSample sample, DateTimeOffset time) => Open().Samples.Report(step, sample, time);
    public void Progress(int step) { }

    // Both sinks write every line through (AutoFlush): nothing is buffered here.
    public void Flush() { }

    public void Checkpoint(int step, string folder) { }

    private (JsonlMetricsSink Metrics, JsonlSamplesSink Samples) Open() =>
        (_metrics ?? throw new InvalidOperationException("Call Started before reporting."), _samples!);

    private static void TruncateAfter(string path, int step)
    {
        if (!File.Exists(path)) return;
        var lines = File.ReadAllLines(path);
        var kept = lines.Where(l => StepOf(l) is int s && s <= step).ToArray();
        if (kept.Length == lines.Length) return;
        string temp = path + ".tmp";
        File.WriteAllLines(temp, kept);
        File.Move(temp, path, overwrite: true);
    }

    private static int? StepOf(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.TryGetProperty("step", out var s) && s.TryGetInt32(out int step) ? step : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _metrics?.Dispose();
        _samples?.Dispose();
        _metrics = null;
        _samples = null;
    }
}
