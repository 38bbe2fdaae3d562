using LabelAndAlign.Web.Services.Labeling;

namespace LabelAndAlign.Web.Tests;

public class LabelingPresenceTests
{
    [Fact]
    public void Enter_CountsPeoplePerProject_UntilTheirLastPageLeaves()
    {
        var presence = new LabelingPresence(new LabelingEvents());
        var ann = presence.Enter(1, 10);
        var annAgain = presence.Enter(1, 10);
        var bob = presence.Enter(1, 11);
        using var elsewhere = presence.Enter(2, 12);
        Assert.Equal([10, 11], presence.In(1).Order());

        ann.Dispose();
        ann.Dispose(); // a second dispose of one page changes nothing
        Assert.Equal([10, 11], presence.In(1).Order());
        annAgain.Dispose();
        bob.Dispose();
        Assert.Empty(presence.In(1));
        Assert.Equal([12], presence.In(2));
    }

    [Fact]
    public void ArrivalsAndDepartures_AreProjectEvents_SoTeamViewsRefresh()
    {
        var events = new LabelingEvents();
        var presence = new LabelingPresence(events);
        int published = 0;
        using var _ = events.Subscribe(7, () => { published++; return Task.CompletedTask; });
        var page = presence.Enter(7, 1);
        Assert.Equal(1, published);
        page.Dispose();
        Assert.Equal(2, published);
    }
}
