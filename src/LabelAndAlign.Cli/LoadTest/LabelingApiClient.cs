using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace LabelAndAlign.Cli.LoadTest;

/// <summary>The few labeling API calls a simulated labeler makes, each timed.</summary>
public sealed class LabelingApiClient(HttpClient http, string apiKey)
{
    public sealed record Assignment([property: JsonPropertyName("assignmentId")] long AssignmentId);
    private sealed record Created([property: JsonPropertyName("id")] int Id);
    private sealed record Key([property: JsonPropertyName("key")] string Value);
    private sealed record LabelId([property: JsonPropertyName("labelId")] long Id);

    /// <summary>The next assignment, or null when the queue has nothing for this labeler (204).</summary>
    public async Task<Assignment?> NextAsync(int projectId, CancellationToken cancel)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/projects/{projectId}/assignments/next", null, cancel);
        if (response.StatusCode == HttpStatusCode.NoContent) return null;
        await EnsureAsync(response, "assignments/next");
        return await response.Content.ReadFromJsonAsync<Assignment>(cancel);
    }

    /// <summary>Submits a label; returns the label id the server acknowledged.</summary>
    public async Task<long> LabelAsync(long assignmentId, string choice, CancellationToken cancel)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/assignments/{assignmentId}/label", new { choice }, cancel);
        await EnsureAsync(response, "label");
        return (await response.Content.ReadFromJsonAsync<LabelId>(cancel))!.Id;
    }

    public async Task<int> CreateUserAsync(string email, string password, string role, CancellationToken cancel)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/users", new { email, password, role }, cancel);
        await EnsureAsync(response, "create user");
        return (await response.Content.ReadFromJsonAsync<Created>(cancel))!.Id;
    }

    public async Task<string> IssueKeyAsync(int userId, CancellationToken cancel)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/users/{userId}/keys", new { name = "loadtest" }, cancel);
        await EnsureAsync(response, "issue key");
        return (await response.Content.ReadFromJsonAsync<Key>(cancel))!.Value;
    }

    public async Task AddMemberAsync(int projectId, string email, string role, CancellationToken cancel)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/projects/{projectId}/members", new { email, role }, cancel);
        await EnsureAsync(response, "add member");
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancel)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        if (body is not null) request.Content = JsonContent.Create(body);
        return http.SendAsync(request, cancel);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        if (response.IsSuccessStatusCode) return;
        string text = await response.Content.ReadAsStringAsync();
        throw new HttpRequestException($"{what}: HTTP {(int)response.StatusCode} {text}", null, response.StatusCode);
    }
}
