using Bunit;
using LabelAndAlign.Web.Components.Pages.Admin;
using LabelAndAlign.Web.Data;

namespace LabelAndAlign.Web.Tests.Components;

public class AuditLogGridTests : AccountPagesTestContext
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void NoEvents_SaysSo()
    {
        SignIn("admin@example.com", "Admin");
        var cut = Render<AuditLogGrid>();
        cut.WaitForAssertion(() => Assert.Contains("No events yet.", cut.Markup), Patience);
    }

    [Fact]
    public async Task Events_NewestFirst_WithWhoActed_AndSearched()
    {
        int ann = AddPerson("ann@example.com", UserRole.Admin);
        var audit = AccountsTestData.Audit(Db);
        await audit.RecordAsync("user.create", "bob@example.com as Labeler", ann);
        await audit.RecordAsync("key.create", "for bob@example.com", ann);
        await audit.RecordAsync("signin.failed", "nobody@example.com");
        SignIn("admin@example.com", "Admin");
        var cut = Render<AuditLogGrid>();
        cut.WaitForAssertion(() => Assert.Equal(["signin.failed", "key.create", "user.create"], cut.FindAll("tbody tr code").Select(c => c.TextContent)), Patience);
        Assert.Contains("ann@example.com", cut.FindAll("tbody tr")[1].TextContent);
        Assert.Contains("—", cut.FindAll("tbody tr")[0].TextContent); // anonymous

        cut.Find("#audit-search").Input("key.");
        cut.WaitForAssertion(() => Assert.Equal(["key.create"], cut.FindAll("tbody tr code").Select(c => c.TextContent)), Patience);
    }
}
