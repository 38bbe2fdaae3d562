using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Services;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

public sealed class AcceptInviteTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task AcceptingAnInvite_SignsThePersonIn_AndRecordsTheSignIn()
    {
        string email = $"invited-{Guid.NewGuid():N}@example.com";
        string token;
        await using (var scope = app.Services.CreateAsyncScope())
            (_, token) = await scope.ServiceProvider.GetRequiredService<InviteService>().InviteAsync(email, UserRole.Labeler);

        using var browser = CookieSignIn.Browser(app);
        string form = await CookieSignIn.FormTokenAsync(browser, $"/invite?token={token}");
        var response = await browser.PostAsync($"/invite?token={token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "invite", ["__RequestVerificationToken"] = form,
            ["Input.Token"] = token, ["Input.Password"] = "my-own-password", ["Input.Confirm"] = "my-own-password",
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/projects")).StatusCode);

        var users = await app.CreateApiClient().GetFromJsonAsync<JsonElement>("/api/users");
        var invited = users.EnumerateArray().Single(u => u.GetProperty("email").GetString() == email);
        Assert.Equal(JsonValueKind.String, invited.GetProperty("lastSignInAt").ValueKind);
    }
}
