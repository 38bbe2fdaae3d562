using System.Net.Http.Json;
using System.Text.Json;

namespace LabelAndAlign.Web.Tests;

/// <summary>People created through the admin API of a test app.</summary>
public static class UserTestData
{
    /// <summary>Creates a person with a fresh email; returns the id and email.</summary>
    public static async Task<(int Id, string Email)> CreateAsync(AppFactory app, string role, string password = "a-long-password")
    {
        string email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        var response = await app.CreateApiClient().PostAsJsonAsync("/api/users", new { email, password, role });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return (JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt32(), email);
    }

    /// <summary>A new API key of the person's.</summary>
    public static async Task<string> KeyAsync(AppFactory app, int userId)
    {
        var response = await app.CreateApiClient().PostAsJsonAsync($"/api/users/{userId}/keys", new { name = "test" });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("key").GetString()!;
    }
}
