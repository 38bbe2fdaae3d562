namespace LabelAndAlign.Web.Services.Runs;

/// <summary>What a chart board reads about runs: their metric names, and one metric downsampled over a step range.</summary>
public interface IMetricReader
{
    Task<List<string>> MetricNamesAsync(int runId, CancellationToken cancel = default);

    Task<List<PointDto>> MetricsAsync(int runId, string name, int maxPoints = RunService.DefaultMaxPoints, int? fromStep = null, int? toStep = null, CancellationToken cancel = default);
}
