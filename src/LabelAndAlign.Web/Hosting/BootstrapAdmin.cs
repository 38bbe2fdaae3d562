using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Hosting;

/// <summary>
/// Makes sure someone can administer a new installation, with no default password anywhere:
/// <c>Bootstrap:AdminEmail</c> + <c>Bootstrap:AdminPassword</c> create the first admin when none
/// exists; <c>Bootstrap:ApiKey</c> registers a key for that admin; with neither set on an empty
/// database, a one-time setup link is printed to the console once the server listens.
/// </summary>
public static class BootstrapAdmin
{
    public static async Task EnsureAdminAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var config = app.Configuration;
        var accounts = sp.GetRequiredService<AccountService>();
        string? email = config["Bootstrap:AdminEmail"], password = config["Bootstrap:AdminPassword"], apiKey = config["Bootstrap:ApiKey"];

        if (!await accounts.AnyAdminAsync())
        {
            if (!string.IsNullOrWhiteSpace(email) && !string.IsNullOrEmpty(password))
            {
                try
                {
                    var admin = await accounts.CreateUserAsync(email, password, nameof(UserRole.Admin));
                    await sp.GetRequiredService<AuditLog>().RecordAsync("user.create", $"{admin.Email} as first Admin, from Bootstrap:AdminEmail", admin.Id);
                    app.Logger.LogInformation("Created the bootstrap admin {Email}", admin.Email);
                }
                catch (Exception e) when (e is InputException { IsConflict: true } or DbUpdateException)
                {
                    // Another instance starting at the same time created it first; anything else is a real failure.
                    if (!await accounts.AnyAdminAsync()) throw;
                }
                catch (InputException e)
                {
                    throw new InvalidOperationException($"Bootstrap admin: {e.Field}: {e.Message}", e);
                }
            }
            else
            {
                string token = await sp.GetRequiredService<SetupService>().CreateTokenAsync();
                app.Lifetime.ApplicationStarted.Register(() => PrintSetupLink(app, token));
            }
        }

        if (!string.IsNullOrEmpty(apiKey))
        {
            string? normalized = string.IsNullOrWhiteSpace(email) ? null : AccountService.NormalizeEmail(email);
            await using var db = await sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            var owner = await db.Users.Where(u => u.Role == UserRole.Admin && !u.IsDisabled && (normalized == null || u.Email == normalized))
                .OrderBy(u => u.Id).FirstOrDefaultAsync()
                ?? throw new InvalidOperationException("Bootstrap:ApiKey is set but there is no admin to own it; set Bootstrap:AdminEmail and Bootstrap:AdminPassword too.");
            var keys = sp.GetRequiredService<ApiKeyService>();
            try
            {
                await keys.RegisterAsync(owner.Id, apiKey, "bootstrap");
            }
            catch (DbUpdateException)
            {
                // Another instance starting at the same time registered it first: the second try finds it.
                await keys.RegisterAsync(owner.Id, apiKey, "bootstrap");
            }
        }
    }

    private static void PrintSetupLink(WebApplication app, string token)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        string baseUrl = addresses?.FirstOrDefault()?.Replace("://[::]", "://localhost").Replace("://0.0.0.0", "://localhost").Replace("://+", "://localhost") ?? "http://localhost:5000";
        string link = $"{baseUrl.TrimEnd('/')}/setup?token={token}";
        app.Logger.LogWarning("No admin account exists yet. Open the one-time setup link printed on the console to create one.");
        // Printed directly (not only logged) so it stays readable whatever the log format.
        Console.WriteLine();
        Console.WriteLine("  No admin account exists yet. Create one with this one-time link (valid 24 hours):");
        Console.WriteLine($"  {link}");
        Console.WriteLine();
    }
}
