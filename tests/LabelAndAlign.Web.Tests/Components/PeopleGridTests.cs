using Bunit;
using LabelAndAlign.Web.Components.Pages.Admin;
using LabelAndAlign.Web.Data;
using MudBlazor;

namespace LabelAndAlign.Web.Tests.Components;

public class PeopleGridTests : AccountPagesTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public PeopleGridTests()
    {
        SignIn("admin@example.com", "Admin");
        Interactive(true);
    }

    private IRenderedComponent<PeopleGrid> RenderGrid() => Render<PeopleGrid>();

    private static IReadOnlyList<string> Emails(IRenderedComponent<PeopleGrid> cut) =>
        cut.FindAll("table[aria-label=People] tbody tr td:first-child").Select(td => td.TextContent.Trim()).ToList();

    [Fact]
    public void People_ByEmail_WithStatus_AndFilteredByStatus()
    {
        AddPerson("carol@example.com", UserRole.Lead);
        AddPerson("ann@example.com", UserRole.Labeler, disabled: true);
        AddPerson("bob@example.com", UserRole.Viewer, invited: true);
        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.Equal(["ann@example.com", "bob@example.com", "carol@example.com"], Emails(cut)), Patience);
        Assert.Contains("Disabled", cut.Find("table[aria-label=People] tbody tr").TextContent);

        cut.Find("#people-search").Input("car");
        cut.WaitForAssertion(() => Assert.Equal(["carol@example.com"], Emails(cut)), Patience);
    }

    [Fact]
    public async Task Disable_AsksFirst_ThenDisables_AndEnableDoesNotAsk()
    {
        var dialogs = Render<MudDialogProvider>();
        int id = AddPerson("ann@example.com", UserRole.Labeler);
        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.Single(Emails(cut)), Patience);

        await cut.InvokeAsync(() => cut.FindAll("button").Single(b => b.TextContent.Trim() == "Disable").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("Disable ann@example.com?", dialogs.Find("[data-testid=confirm-message]").TextContent), Patience);
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog-actions button").Single(b => b.TextContent.Trim() == "Cancel").Click());
        using (var ctx = Db.CreateContext()) Assert.False(ctx.Users.Single(u => u.Id == id).IsDisabled);

        await cut.InvokeAsync(() => cut.FindAll("button").Single(b => b.TextContent.Trim() == "Disable").Click());
        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=confirm-message]")), Patience);
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog-actions button").Single(b => b.TextContent.Trim() == "Disable").Click());
        // Stored by the dialog's answer, which the grid awaits after the click returned; checked again at each render.
        cut.WaitForAssertion(() =>
        {
            using var ctx = Db.CreateContext();
            Assert.True(ctx.Users.Single(u => u.Id == id).IsDisabled);
        }, Patience);
    }
}
