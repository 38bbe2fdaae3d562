using System.Security.Claims;
using Bunit;
using LabelAndAlign.Web.Components.Pages.Account;
using LabelAndAlign.Web.Data;
using MudBlazor;

namespace LabelAndAlign.Web.Tests.Components;

public class OwnApiKeysTests : AccountPagesTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private IRenderedComponent<OwnApiKeys> RenderAs(int userId)
    {
        var auth = SignIn("ann@example.com", "Labeler");
        auth.SetClaims(new Claim(ClaimTypes.Role, "Labeler"), new Claim(ClaimTypes.NameIdentifier, userId.ToString()));
        Interactive(true);
        return Render<OwnApiKeys>();
    }

    [Fact]
    public void NoKeys_SaysSo()
    {
        int ann = AddPerson("ann@example.com", UserRole.Labeler);
        var cut = RenderAs(ann);
        cut.WaitForAssertion(() => Assert.Equal("You have no API keys.", cut.Find("[data-testid=no-keys]").TextContent), Patience);
    }

    [Fact]
    public async Task CreateAKey_ShowsItOnce_ListsIt_RevokeAsksFirst()
    {
        int ann = AddPerson("ann@example.com", UserRole.Labeler);
        AddPerson("bob@example.com", UserRole.Labeler); // someone else's keys never show
        var cut = RenderAs(ann);
        var dialogs = Render<MudDialogProvider>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=no-keys]")), Patience);
        cut.Find("#key-name").Change("nightly export");
        await cut.InvokeAsync(() => cut.Find("form").Submit());
        cut.WaitForAssertion(() => Assert.StartsWith("lna_", cut.Find(".key-reveal code").TextContent), Patience);
        cut.WaitForAssertion(() => Assert.Contains("nightly export", cut.Find("table[aria-label='API keys'] tbody").TextContent), Patience);

        await cut.InvokeAsync(() => cut.Find("button[aria-label='Revoke key nightly export']").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("Revoke “nightly export”", dialogs.Find("[data-testid=confirm-message]").TextContent), Patience);
        await dialogs.InvokeAsync(() => dialogs.FindAll(".mud-dialog-actions button").Single(b => b.TextContent.Trim() == "Revoke key").Click());
        cut.WaitForAssertion(() => Assert.Contains("Revoked", cut.Find("table[aria-label='API keys'] tbody").TextContent), Patience);
        using var ctx = Db.CreateContext();
        Assert.NotNull(ctx.ApiKeys.Single(k => k.UserId == ann).RevokedAt);
    }
}
