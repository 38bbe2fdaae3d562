using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace LabelAndAlign.Web.Tests;

public class UserEndpointsTests(AppFactory app) : IClassFixture<AppFactory>
{
    private sealed record Created(int Id);
    private sealed record IssuedKey(string Key);

    private static string NewEmail() => $"u{Guid.NewGuid():N}@example.com";

    [Fact]
    public async Task CreateUser_AsAdmin_ReturnsId()
    {
        var response = await app.CreateApiClient().PostAsJsonAsync("/api/users", new { email = NewEmail(), password = "long-enough-password", role = "Labeler" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<Created>();
        Assert.True(created!.Id > 1);
    }

    [Fact]
    public async Task CreateUser_SameEmailTwice_Returns409()
    {
        var client = app.CreateApiClient();
        string email = NewEmail();
        await client.PostAsJsonAsync("/api/users", new { email, password = "long-enough-password", role = "Viewer" });
        var again = await client.PostAsJsonAsync("/api/users", new { email = email.ToUpperInvariant(), password = "long-enough-password", role = "Viewer" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Theory]
    [InlineData("not-an-email", "long-enough-password", "Labeler", "email")]
    [InlineData("ok@example.com", "short", "Labeler", "password")]
    [InlineData("ok@example.com", "long-enough-password", "Superuser", "role")]
    [InlineData("ok@example.com", "long-enough-password", "3", "role")]
    public async Task CreateUser_BadInput_Returns400NamingTheField(string email, string password, string role, string field)
    {
        var response = await app.CreateApiClient().PostAsJsonAsync("/api/users", new { email, password, role });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}'");
    }

    [Fact]
    public async Task CreateUser_Anonymous_Returns401()
    {
        var response = await app.CreateApiClient(key: null).PostAsJsonAsync("/api/users", new { email = NewEmail(), password = "long-enough-password", role = "Viewer" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task CreateUser_WithUnknownKey_Returns401()
    {
        var response = await app.CreateApiClient(key: "lna_not-a-real-key").PostAsJsonAsync("/api/users", new { email = NewEmail(), password = "long-enough-password", role = "Viewer" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task IssuedKey_ActsAsItsUser_AndALabelerIsForbiddenToCreateUsers()
    {
        var admin = app.CreateApiClient();
        var created = await (await admin.PostAsJsonAsync("/api/users", new { email = NewEmail(), password = "long-enough-password", role = "Labeler" }))
            .Content.ReadFromJsonAsync<Created>();
        var keyResponse = await admin.PostAsJsonAsync($"/api/users/{created!.Id}/keys", new { });
        Assert.Equal(HttpStatusCode.OK, keyResponse.StatusCode);
        var key = (await keyResponse.Content.ReadFromJsonAsync<IssuedKey>())!.Key;
        Assert.StartsWith("lna_", key);

        var asLabeler = app.CreateApiClient(key);
        var response = await asLabeler.PostAsJsonAsync("/api/users", new { email = NewEmail(), password = "long-enough-password", role = "Admin" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task ListUsers_AsAdmin_IncludesTheBootstrapAdminWithoutSecrets()
    {
        var body = await app.CreateApiClient().GetStringAsync("/api/users");
        Assert.Contains(AppFactory.AdminEmail, body);
        Assert.DoesNotContain("PasswordHash", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SecurityStamp", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task IssueKey_ForUnknownUser_Returns404()
    {
        var response = await app.CreateApiClient().PostAsJsonAsync("/api/users/999999/keys", new { });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task UpdateUser_ChangesTheRoleAndDisables_AndTheirKeyFollowsAtOnce()
    {
        var (id, _) = await UserTestData.CreateAsync(app, "Lead");
        using var script = app.CreateApiClient(await UserTestData.KeyAsync(app, id));
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/datasets")).StatusCode);

        var demoted = await app.CreateApiClient().PatchAsJsonAsync($"/api/users/{id}", new { role = "Labeler" });
        Assert.Equal(HttpStatusCode.OK, demoted.StatusCode);
        Assert.Equal("Labeler", (await demoted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await script.GetAsync("/api/datasets")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await app.CreateApiClient().PatchAsJsonAsync($"/api/users/{id}", new { disabled = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/api/projects")).StatusCode);
    }

    [Fact]
    public async Task UpdateUser_ACommaJoinedRole_IsRefused_AndNothingChanges()
    {
        var (id, _) = await UserTestData.CreateAsync(app, "Labeler");
        var response = await app.CreateApiClient().PatchAsJsonAsync($"/api/users/{id}", new { role = "Labeler, Lead" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var users = await app.CreateApiClient().GetFromJsonAsync<JsonElement>("/api/users");
        Assert.Equal("Labeler", users.EnumerateArray().Single(u => u.GetProperty("id").GetInt32() == id).GetProperty("role").GetString());
    }

    [Fact]
    public async Task CreateUser_ACommaJoinedRole_IsRefused_NotMadeAnAdmin()
    {
        string email = NewEmail();
        var response = await app.CreateApiClient().PostAsJsonAsync("/api/users", new { email, password = "long-enough-password", role = "Labeler, Lead" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var users = await app.CreateApiClient().GetStringAsync("/api/users");
        Assert.DoesNotContain(email, users);
    }
}
