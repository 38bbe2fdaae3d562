using LabelAndAlign.Web.Services.Runs;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

public class MetricPrefetchTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 7, 4, 0, 0, TimeSpan.Zero));
    private readonly Reader _reader = new();
    private readonly MetricPrefetch _prefetch;

    public MetricPrefetchTests()
    {
        var services = new ServiceCollection().AddSingleton<IMetricReader>(_reader).BuildServiceProvider();
        _prefetch = new MetricPrefetch(services.GetRequiredService<IServiceScopeFactory>(), _clock);
    }

    /// <summary>Two metrics of run 1; counts every read; can fail the next names read.</summary>
    private sealed class Reader : IMetricReader
    {
        public int NameReads, HistoryReads;
        public bool FailNext;

        public Task<List<string>> MetricNamesAsync(int runId, CancellationToken cancel = default)
        {
            Interlocked.Increment(ref NameReads);
            if (FailNext)
            {
                FailNext = false;
                return Task.FromException<List<string>>(new InvalidOperationException("database is locked"));
            }
            return Task.FromResult(new List<string> { "loss", "grad_norm" });
        }

        public Task<List<PointDto>> MetricsAsync(int runId, string name, int maxPoints = RunService.DefaultMaxPoints, int? fromStep = null, int? toStep = null, CancellationToken cancel = default)
        {
            Interlocked.Increment(ref HistoryReads);
            return Task.FromResult(new List<PointDto> { new(1, name.Length, 1000) });
        }
    }

    private async Task WaitForAsync(Func<bool> done)
    {
        for (int i = 0; i < 400 && !done(); i++) await Task.Delay(25);
        Assert.True(done(), $"names read {_reader.NameReads} times, histories {_reader.HistoryReads}");
    }

    [Fact]
    public async Task Start_ReadsNamesThenEveryHistory_WhichTheNextAskersTake()
    {
        _prefetch.Start(1, 1500);
        await WaitForAsync(() => _reader.HistoryReads == 2);
        Assert.Equal(["loss", "grad_norm"], await _prefetch.NamesAsync(1));
        Assert.Equal(4, (await _prefetch.HistoryAsync(1, "loss", 1500))[0].Value);
        Assert.Equal(9, (await _prefetch.HistoryAsync(1, "grad_norm", 1500))[0].Value);
        Assert.Equal((1, 2), (_reader.NameReads, _reader.HistoryReads));
    }

    [Fact]
    public async Task AnotherResolution_OrAfterTheLifetime_ReadsAgain()
    {
        await _prefetch.HistoryAsync(1, "loss", 1500);
        await _prefetch.HistoryAsync(1, "loss", 300);
        Assert.Equal(2, _reader.HistoryReads);
        _clock.Advance(MetricPrefetch.Lifetime);
        await _prefetch.HistoryAsync(1, "loss", 1500);
        Assert.Equal(3, _reader.HistoryReads);
    }

    [Fact]
    public async Task AFailedRead_IsNotKept()
    {
        _reader.FailNext = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => _prefetch.NamesAsync(1));
        Assert.Equal(["loss", "grad_norm"], await _prefetch.NamesAsync(1));
        Assert.Equal(2, _reader.NameReads);
    }
}
