using LabelAndAlign.Web.Components.Shared;
using Microsoft.JSInterop;

namespace LabelAndAlign.Web.Tests;

public class JsCleanupTests
{
    [Fact]
    public async Task Run_AClosedTabsDisconnectedOrCancelledCalls_AreNotErrors()
    {
        await JsCleanup.RunAsync(() => throw new JSDisconnectedException("gone"));
        await JsCleanup.RunAsync(() => ValueTask.FromException(new TaskCanceledException("circuit disposed mid-call")));
    }

    [Fact]
    public async Task Run_AnyOtherFailure_StillSurfaces() =>
        await Assert.ThrowsAsync<JSException>(async () => await JsCleanup.RunAsync(() => throw new JSException("a bug in the module")));

    [Fact]
    public async Task Run_ReleasesWhenTheCircuitIsThere()
    {
        int released = 0;
        await JsCleanup.RunAsync(() => { released++; return ValueTask.CompletedTask; });
        Assert.Equal(1, released);
    }
}
