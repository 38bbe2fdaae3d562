using LabelAndAlign.Web.Components.Shared;

namespace LabelAndAlign.Web.Tests.Components;

public class DisplayTests
{
    [Fact]
    public void Date_IsOneFormat_InUtc_SaidSo() =>
        Assert.Equal("6 Dec 2026, 23:58 UTC", Display.Date(new DateTime(2026, 12, 6, 23, 58, 41, DateTimeKind.Utc)));

    [Fact]
    public void Date_Missing_ShowsTheGivenWord()
    {
        Assert.Equal("—", Display.Date(null));
        Assert.Equal("never", Display.Date(null, "never"));
        Assert.Equal("1 Jan 2027, 00:00 UTC", Display.Date((DateTime?)new DateTime(2027, 1, 1)));
    }

    [Fact]
    public void Iso_IsRoundTripUtc() =>
        Assert.Equal("2026-12-06T23:58:41.0000000Z", Display.Iso(new DateTime(2026, 12, 6, 23, 58, 41)));
}
