namespace LabelAndAlign.Web.Tests;

/// <summary>A clock the test moves by hand (lockouts, expiries).</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
