using System.Net.Http.Json;
using System.Text.Json;
using LabelAndAlign.Web.Services;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

/// <summary>The first admin made from <c>Bootstrap:AdminEmail</c> / <c>Bootstrap:AdminPassword</c> at start-up.</summary>
public sealed class BootstrapAdminTests
{
    [Fact]
    public async Task EnsureAdmin_FromTheBootstrapSettings_AuditsTheAdminsCreation_Once()
    {
        using var app = new AppFactory();
        var users = await app.CreateApiClient().GetFromJsonAsync<JsonElement>("/api/users");
        int adminId = users.EnumerateArray().Single(u => u.GetProperty("email").GetString() == AppFactory.AdminEmail).GetProperty("id").GetInt32();

        await using var scope = app.Services.CreateAsyncScope();
        var events = await scope.ServiceProvider.GetRequiredService<AuditLog>().NewestAsync(100);
        var created = Assert.Single(events, e => e.Action == "user.create");
        Assert.Equal(adminId, created.UserId);
        Assert.Equal($"{AppFactory.AdminEmail} as first Admin, from Bootstrap:AdminEmail", created.Detail);
    }
}
