using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// The web app in memory over its own temporary SQLite file, with a bootstrap admin and API key
/// (or, with <c>Bootstrap = false</c>, none: a new installation waiting for its setup link), and no local worker.
/// </summary>
public sealed class AppFactory : WebApplicationFactory<Program>
{
    /// <summary>False for a new installation: no admin, no admin key.</summary>
    public bool Bootstrap { get; init; } = true;

    public const string AdminEmail = "admin@example.com";
    public const string AdminPassword = "admin-password-for-tests";
    public const string AdminKey = "test-admin-key-0123456789";

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "lna-web-tests", Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Default", $"Data Source={Path.Combine(DataDirectory, "test.db")}");
        // In memory there is no address a local worker could reach; tests that train use a real server (TrainingEngineTests).
        builder.UseSetting("Training:LocalWorkers", "0");
        if (Bootstrap)
        {
            builder.UseSetting("Bootstrap:AdminEmail", AdminEmail);
            builder.UseSetting("Bootstrap:AdminPassword", AdminPassword);
            builder.UseSetting("Bootstrap:ApiKey", AdminKey);
        }
        builder.UseEnvironment("Development");
    }

    /// <summary>A client that authenticates with the given API key (the admin's by default).</summary>
    public HttpClient CreateApiClient(string? key = AdminKey)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
