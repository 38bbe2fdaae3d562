using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests;

/// <summary>
/// The app as installed by default: on a real loopback port, with its local worker (<c>lna worker</c>, a child process)
/// training runs and generating items over the engine protocol. Over a given test database and its data folder, so a
/// second host can reopen the first one's database, and tests can seed it directly.
/// </summary>
public sealed class WorkerHost : WebApplicationFactory<Program>
{
    private readonly TestDatabase _database;

    public WorkerHost(TestDatabase database)
    {
        _database = database;
        UseKestrel(0);
    }

    public T Service<T>(Func<IServiceProvider, T> get)
    {
        using var scope = Services.CreateScope();
        return get(scope.ServiceProvider);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _database.Configuration) builder.UseSetting(key, value);
        builder.UseSetting("Bootstrap:AdminEmail", AppFactory.AdminEmail);
        builder.UseSetting("Bootstrap:AdminPassword", AppFactory.AdminPassword);
        builder.UseSetting("Bootstrap:ApiKey", AppFactory.AdminKey);
        builder.UseSetting("Training:WorkerPath", BuiltExecutable.Find("LabelAndAlign.Cli", "lna"));
        builder.UseEnvironment("Development");
    }

    /// <summary>Starts the server (and so its local worker) if it is not yet.</summary>
    public string Address
    {
        get
        {
            StartServer();
            return Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        }
    }

    /// <summary>An API client acting as the bootstrap admin, over the real port.</summary>
    public HttpClient Api()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri(Address) });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AppFactory.AdminKey);
        return client;
    }
}
