using Bunit;
using LabelAndAlign.Web.Components.Shared;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LabelAndAlign.Web.Tests.Components;

public class FeedbackTests : UiTestContext
{
    private readonly IRenderedComponent<MudDialogProvider> _dialogs;
    private readonly IRenderedComponent<MudSnackbarProvider> _snackbars;
    private Feedback Feedback => Services.GetRequiredService<Feedback>();

    public FeedbackTests()
    {
        Render<MudPopoverProvider>();
        _dialogs = Render<MudDialogProvider>();
        _snackbars = Render<MudSnackbarProvider>();
    }

    [Fact]
    public async Task Confirm_ClickingTheAction_ReturnsTrue()
    {
        var answer = _dialogs.InvokeAsync(() => Feedback.ConfirmAsync("Delete run", "Delete run 12 and its 3 checkpoints?", "Delete run"));
        _dialogs.WaitForAssertion(() => Assert.Contains("Delete run 12 and its 3 checkpoints?", _dialogs.Find("[data-testid=confirm-message]").TextContent));
        _dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete run").Click();
        Assert.True(await answer);
    }

    [Fact]
    public async Task Confirm_Cancel_ReturnsFalse()
    {
        var answer = _dialogs.InvokeAsync(() => Feedback.ConfirmAsync("Cancel run", "Stop run 3 at its next step?", "Cancel run"));
        _dialogs.WaitForAssertion(() => Assert.NotEmpty(_dialogs.FindAll("[data-testid=confirm-message]")));
        _dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();
        Assert.False(await answer);
    }

    [Fact]
    public void Confirm_Destructive_ColoursTheActionAsADanger_AndFocusesCancel()
    {
        _ = _dialogs.InvokeAsync(() => Feedback.ConfirmAsync("Delete", "Delete it?", "Delete"));
        _dialogs.WaitForAssertion(() => Assert.NotEmpty(_dialogs.FindAll("[data-testid=confirm-message]")));
        var buttons = _dialogs.FindAll(".mud-dialog-actions button");
        Assert.Contains("mud-button-filled-error", buttons.Single(b => b.TextContent.Trim() == "Delete").ClassName);
        Assert.True(buttons.Single(b => b.TextContent.Trim() == "Cancel").HasAttribute("autofocus"));
    }

    [Fact]
    public void Confirm_NotDestructive_UsesThePrimaryColour()
    {
        _ = _dialogs.InvokeAsync(() => Feedback.ConfirmAsync("Join", "Join this project as a labeler?", "Join", destructive: false));
        _dialogs.WaitForAssertion(() => Assert.NotEmpty(_dialogs.FindAll("[data-testid=confirm-message]")));
        var join = _dialogs.FindAll(".mud-dialog-actions button").Single(b => b.TextContent.Trim() == "Join");
        Assert.Contains("mud-button-filled-primary", join.ClassName);
    }

    [Fact]
    public void Success_ShowsASnackbarWithTheMessage()
    {
        _snackbars.InvokeAsync(() => Feedback.Success("Imported 1 row."));
        _snackbars.WaitForAssertion(() => Assert.Contains("Imported 1 row.", _snackbars.Markup));
        Assert.Contains("mud-alert-filled-success", _snackbars.Markup);
    }

    [Fact]
    public void Error_ShowsAnErrorSnackbar_WithItsMessage()
    {
        _snackbars.InvokeAsync(() => Feedback.Error("The file was not imported: line 3 has no prompt."));
        _snackbars.WaitForAssertion(() => Assert.Contains("line 3 has no prompt", _snackbars.Markup));
        Assert.Equal(Severity.Error, Services.GetRequiredService<ISnackbar>().ShownSnackbars.Single().Severity);
    }
}
