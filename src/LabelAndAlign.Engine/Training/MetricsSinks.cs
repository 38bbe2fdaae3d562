using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LabelAndAlign.Engine.Training;

/// <summary>Where a run's scalar metrics go: a JSONL file for the CLI, a live hub for the web app, a list in tests.</summary>
public interface IMetricsSink
{
    /// <summary>One value of metric <paramref name="name"/> (TRL's name, e.g. <c>rewards/margins</c>) after optimizer step <paramref name="step"/>.</summary>
    void Report(int step, string name, double value, DateTimeOffset time);
}

/// <summary>Generated text for the fixed evaluation prompts, at every checkpoint, with its reward and KL when the run has them.</summary>
public interface ISamplesSink
{
    /// <summary>One <paramref name="sample"/> taken at the checkpoint of optimizer step <paramref name="step"/>.</summary>
    void Report(int step, CheckpointSample sample, DateTimeOffset time);
}

/// <summary>
/// <c>metrics.jsonl</c>: one line per value, exactly <c>{"step":…,"name":"…","value":…,"time":…}</c>
/// (time in Unix seconds). Non-finite values are written as JSON strings ("NaN") so the file stays valid.
/// Appends, so a resumed run continues the same file. Thread-safe.
/// </summary>
public sealed class JsonlMetricsSink : IMetricsSink, IDisposable
{
    private readonly StreamWriter _writer;
    private readonly object _gate = new();

    public JsonlMetricsSink(string path)
    {
        Path = path;
        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };
    }

    public string Path { get; }

    public void Report(int step, string name, double value, DateTimeOffset time)
    {
        string line = $"{{\"step\":{step.ToString(CultureInfo.InvariantCulture)},\"name\":{JsonSerializer.Serialize(name)},\"value\":{Number(value)},\"time\":{UnixSeconds(time)}}}";
        lock (_gate) _writer.WriteLine(line);
    }

    /// <summary>A JSON number, or a JSON string ("NaN", "Infinity") for a non-finite value so the line stays valid JSON.</summary>
    internal static string Number(double value) =>
        double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : JsonSerializer.Serialize(value.ToString(CultureInfo.InvariantCulture));

    internal static string UnixSeconds(DateTimeOffset time) =>
        (time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        lock (_gate) _writer.Dispose();
    }
}

/// <summary>
/// <c>samples.jsonl</c>: <c>{"step":…,"prompt":"…","completion":"…","time":…}</c> per sample, then <c>"reward":…</c> and
/// <c>"kl":…</c> when the sample has them (a non-finite value as a JSON string, like metrics). Appends; thread-safe.
/// </summary>
public sealed class JsonlSamplesSink : ISamplesSink, IDisposable
{
    private readonly StreamWriter _writer;
    private readonly object _gate = new();

    public JsonlSamplesSink(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };
    }

    public void Report(int step, CheckpointSample sample, DateTimeOffset time)
    {
        var line = new StringBuilder();
        line.Append($"{{\"step\":{step.ToString(CultureInfo.InvariantCulture)},\"prompt\":{JsonSerializer.Serialize(sample.Prompt)},\"completion\":{JsonSerializer.Serialize(sample.Completion)},\"time\":{JsonlMetricsSink.UnixSeconds(time)}");
        if (sample.Reward is double r) line.Append(",\"reward\":").Append(JsonlMetricsSink.Number(r));
        if (sample.Kl is double kl) line.Append(",\"kl\":").Append(JsonlMetricsSink.Number(kl));
        line.Append('}');
        lock (_gate) _writer.WriteLine(line.ToString());
    }

    public void Dispose()
    {
        lock (_gate) _writer.Dispose();
    }
}

/// <summary>Keeps everything in memory: tests, and callers that want the last value of a metric.</summary>
public sealed class MemoryMetricsSink : IMetricsSink, ISamplesSink
{
    private readonly object _gate = new();

    public List<(int Step, string Name, double Value)> Metrics { get; } = [];
    public List<(int Step, CheckpointSample Sample)> Samples { get; } = [];

    public void Report(int step, string name, double value, DateTimeOffset time)
    {
        lock (_gate) Metrics.Add((step, name, value));
    }

    public void Report(int step, CheckpointSample sample, DateTimeOffset time)
    {
        lock (_gate) Samples.Add((step, sample));
    }

    /// <summary>Values of <paramref name="name"/> in step order.</summary>
    public double[] Series(string name)
    {
        lock (_gate) return Metrics.Where(m => m.Name == name).Select(m => m.Value).ToArray();
    }
}

/// <summary>Sends every report to several sinks.</summary>
public sealed class FanOutSink(params IMetricsSink[] sinks) : IMetricsSink
{
    public void Report(int step, string name, double value, DateTimeOffset time)
    {
        foreach (var s in sinks) s.Report(step, name, value, time);
    }
}
