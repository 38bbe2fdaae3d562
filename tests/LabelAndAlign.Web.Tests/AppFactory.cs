using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// The web app in memory over its own fresh database, with a bootstrap admin and API key
/// (or, with <c>Bootstrap = false</c>, none: a new installation waiting for its setup link), and no local worker.
/// </summary>
public sealed class AppFactory : WebApplicationFactory<Program>
{
    private readonly TestDatabase _database = new(migrate: false);

    /// <summary>False for a new installation: no admin, no admin key.</summary>
    public bool Bootstrap { get; init; } = true;

    public const string AdminEmail = "admin@example.com";
    public const string AdminPassword = "admin-password-for-tests";
    public const string AdminKey = "test-admin-key-0123456789";

    public string DataDirectory => _database.Directory;

    /// <summary>The app's database as the test run gives it (before <see cref="ConnectionSettings"/>).</summary>
    public string ConnectionString => _database.ConnectionString;

    /// <summary>Settings added to the app's connection string (e.g. PostgreSQL's pool sizes), <c>key=value;…</c>.</summary>
    public string ConnectionSettings { get; init; } = "";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _database.Configuration) builder.UseSetting(key, value);
        if (ConnectionSettings.Length > 0) builder.UseSetting("ConnectionStrings:Default", $"{_database.ConnectionString};{ConnectionSettings}");
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

    /// <summary>A context on the app's own database (as its services get one), for arranging and checking.</summary>
    public LabelAndAlign.Web.Data.AppDbContext CreateDbContext() =>
        Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<LabelAndAlign.Web.Data.AppDbContext>>().CreateDbContext();

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
        _database.Dispose();
    }
}
