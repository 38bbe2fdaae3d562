using System.Net;
using LabelAndAlign.Web.Services;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

/// <summary>The setup page of an installation with no admin yet.</summary>
public sealed class SetupTests
{
    [Fact]
    public async Task CreatingTheFirstAdmin_SignsThemIn_RecordsTheSignIn_AndAuditsIt()
    {
        using var app = new AppFactory { Bootstrap = false };
        string token;
        await using (var scope = app.Services.CreateAsyncScope())
            token = await scope.ServiceProvider.GetRequiredService<SetupService>().CreateTokenAsync();

        using var browser = CookieSignIn.Browser(app);
        string form = await CookieSignIn.FormTokenAsync(browser, $"/setup?token={token}");
        var response = await browser.PostAsync($"/setup?token={token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "setup", ["__RequestVerificationToken"] = form, ["Input.Token"] = token,
            ["Input.Email"] = "first@example.com", ["Input.Password"] = "first-admin-password", ["Input.Confirm"] = "first-admin-password",
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/users")).StatusCode);

        await using var db = app.CreateDbContext();
        var admin = await db.Users.SingleAsync(u => u.Email == "first@example.com");
        Assert.NotNull(admin.LastSignInAt);
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Action == "user.create" && e.UserId == admin.Id));
    }
}
