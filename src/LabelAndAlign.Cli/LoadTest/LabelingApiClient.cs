using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace LabelAndAlign.Cli.LoadTest;

/// <summary>
/// The labeling API calls that <c>lna loadtest</c> and <c>lna bench labeling</c> make. A call the
/// server answers 503 (its database could not take the call, and nothing of it ran) is sent again
/// after the answer's <c>Retry-After</c>, up to <see cref="MaxBusyRetries"/> times; <paramref name="onBusy"/>
/// hears of each such pause.
/// </summary>
public sealed class LabelingApiClient(HttpClient http, string apiKey, Action<TimeSpan>? onBusy = null)
{
    public const int MaxBusyRetries = 5;
    private static readonly TimeSpan ShortestPause = TimeSpan.FromMilliseconds(100), LongestPause = TimeSpan.FromSeconds(30);

    public sealed record Assignment([property: JsonPropertyName("assignmentId")] long AssignmentId);
    private sealed record Created([property: JsonPropertyName("id")] int Id);
    private sealed record Key([property: JsonPropertyName("key")] string Value);
    private sealed record LabelId([property: JsonPropertyName("labelId")] long Id);
    private sealed record Imported([property: JsonPropertyName("imported")] int Count);

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

    /// <summary>The ids of the project's stored labels (its votes export, one JSON object per line).</summary>
    public async Task<HashSet<long>> LabelIdsAsync(int projectId, CancellationToken cancel)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/api/projects/{projectId}/export?format=votes", null, cancel);
        await EnsureAsync(response, "votes export");
        var ids = new HashSet<long>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel));
        while (await reader.ReadLineAsync(cancel) is { } line)
            if (line.Length > 0) ids.Add(System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("label_id").GetInt64());
        return ids;
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

    public async Task<int> CreateProjectAsync(string name, int labelsPerItem, CancellationToken cancel)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/projects", new { name, labelsPerItem }, cancel);
        await EnsureAsync(response, "create project");
        return (await response.Content.ReadFromJsonAsync<Created>(cancel))!.Id;
    }

    /// <summary>Imports JSON Lines items (all or nothing); returns how many the server added.</summary>
    public async Task<int> ImportItemsAsync(int projectId, string jsonLines, CancellationToken cancel)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{projectId}/items")
        {
            Content = new StringContent(jsonLines, System.Text.Encoding.UTF8, "application/x-ndjson"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var response = await http.SendAsync(request, cancel);
        await EnsureAsync(response, "import items");
        return (await response.Content.ReadFromJsonAsync<Imported>(cancel))!.Count;
    }

    /// <summary>The projects list with per-project counts, as the labeling home page shows it.</summary>
    public async Task ListProjectsAsync(CancellationToken cancel)
    {
        using var response = await SendAsync(HttpMethod.Get, "/api/projects", null, cancel);
        await EnsureAsync(response, "list projects");
        await response.Content.LoadIntoBufferAsync(cancel);
    }

    /// <summary>One page of the project's item browser (<c>query</c>: state, q, page, pageSize), read whole; answers the total.</summary>
    public async Task<int> ListItemsAsync(int projectId, string query, CancellationToken cancel)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/api/projects/{projectId}/items?{query}", null, cancel);
        await EnsureAsync(response, "list items");
        using var page = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel));
        return page.RootElement.GetProperty("total").GetInt32();
    }

    public async Task AddMemberAsync(int projectId, string email, string role, CancellationToken cancel)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/projects/{projectId}/members", new { email, role }, cancel);
        await EnsureAsync(response, "add member");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancel)
    {
        for (int retries = 0; ; retries++)
        {
            var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            if (body is not null) request.Content = JsonContent.Create(body);
            var response = await http.SendAsync(request, cancel);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || retries == MaxBusyRetries) return response;
            var pause = Pause(response);
            response.Dispose();
            onBusy?.Invoke(pause);
            await Task.Delay(pause, cancel);
        }
    }

    /// <summary>The answer's Retry-After (seconds or a date), kept between 0.1 and 30 s; 1 s when it names none.</summary>
    private static TimeSpan Pause(HttpResponseMessage response)
    {
        var asked = response.Headers.RetryAfter is { } retry
            ? retry.Delta ?? (retry.Date is { } at ? at - DateTimeOffset.UtcNow : TimeSpan.FromSeconds(1))
            : TimeSpan.FromSeconds(1);
        return asked < ShortestPause ? ShortestPause : asked > LongestPause ? LongestPause : asked;
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        if (response.IsSuccessStatusCode) return;
        string text = await response.Content.ReadAsStringAsync();
        throw new HttpRequestException($"{what}: HTTP {(int)response.StatusCode} {text}", null, response.StatusCode);
    }
}
