using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace LabelAndAlign.E2E.Tests;

/// <summary>
/// A test class whose every test gets a fresh app with a bootstrap admin (email, password and API
/// key), API clients that act as someone, and the server's own failures in the test log.
/// </summary>
public abstract class AdminAppTest(ITestOutputHelper? output = null) : IAsyncLifetime
{
    protected const string AdminEmail = "admin@example.com";
    protected const string AdminPassword = "e2e-admin-password";
    protected const string AdminKey = "e2e-admin-key-0123456789abcdef";

    /// <summary>How long a flow test's tiny training run may take on a loaded CI machine.</summary>
    protected static readonly TimeSpan TrainingTimeout = TimeSpan.FromSeconds(150);

    private readonly List<HttpClient> _clients = [];

    /// <summary>The test log, when the class asked for one.</summary>
    protected ITestOutputHelper? Output { get; } = output;

    protected AppProcess App { get; set; } = default!;

    /// <summary>The environment that bootstraps the admin, for a restart over the same data.</summary>
    protected static Dictionary<string, string> AdminEnvironment => AppProcess.BootstrapAdmin(AdminEmail, AdminPassword, AdminKey);

    public virtual async Task InitializeAsync() => App = await AppProcess.StartAsync(AdminEnvironment);

    public virtual async Task DisposeAsync()
    {
        if (Output is not null)
            foreach (var line in App.Output.Split('\n').Where(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)).Take(20))
                Output.WriteLine(line);
        foreach (var client in _clients) client.Dispose();
        await App.DisposeAsync();
    }

    /// <summary>An API client acting with <paramref name="key"/> (the admin's by default), disposed with the test.</summary>
    protected HttpClient Api(string key = AdminKey)
    {
        var client = new HttpClient { BaseAddress = new Uri(App.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        _clients.Add(client);
        return client;
    }

    /// <summary>Creates a person through the admin API: <c>{name}@example.com</c> with the role and password.</summary>
    protected async Task<(int Id, string Email)> CreateUserAsync(string name, string role, string password)
    {
        string email = $"{name}@example.com";
        var response = await Api().PostAsJsonAsync("/api/users", new { email, password, role });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {body}");
        return (JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt32(), email);
    }

    /// <summary>A new API key of that user's, as a client acting for them.</summary>
    protected async Task<HttpClient> KeyForAsync(int userId)
    {
        var response = await Api().PostAsJsonAsync($"/api/users/{userId}/keys", new { name = "e2e" });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return Api(JsonDocument.Parse(body).RootElement.GetProperty("key").GetString()!);
    }

    /// <summary>Launches an SFT run on the built-in "sentiment · SFT corpus" through the API; returns its id.</summary>
    protected async Task<int> LaunchSftAsync(string name, object config)
    {
        var api = Api();
        var datasets = JsonDocument.Parse(await api.GetStringAsync("/api/datasets")).RootElement;
        int datasetId = datasets.EnumerateArray().First(d => d.GetProperty("name").GetString() == "sentiment · SFT corpus").GetProperty("id").GetInt32();
        var response = await api.PostAsJsonAsync("/api/runs", new { name, algorithm = "sft", config, source = new { datasetId } });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt32();
    }

    /// <summary>
    /// Polls <c>GET /api/runs/{id}</c> (of the app running now: tests restart it) until
    /// <paramref name="condition"/> holds; fails at once when the run ended otherwise.
    /// </summary>
    protected async Task<JsonElement> WaitForRunAsync(int id, Func<JsonElement, bool> condition, TimeSpan timeout)
    {
        var api = Api();
        var deadline = DateTime.UtcNow + timeout;
        JsonElement run;
        do
        {
            run = JsonDocument.Parse(await api.GetStringAsync($"/api/runs/{id}")).RootElement;
            if (condition(run)) return run;
            Assert.False(run.GetProperty("status").GetString() is "Completed" or "Failed" or "Cancelled", $"Run {id} ended without reaching the expected state: {run}");
            await Task.Delay(200);
        } while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"Run {id} did not reach the expected state in {timeout.TotalSeconds} s: {run}");
    }

    protected static bool Completed(JsonElement run) => run.GetProperty("status").GetString() == "Completed";

    protected static Task SignInAsAdminAsync(IPage page) => BrowserFixture.SignInAsync(page, AdminEmail, AdminPassword);
}
