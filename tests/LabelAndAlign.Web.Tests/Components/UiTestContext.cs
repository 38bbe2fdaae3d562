using Bunit;
using Bunit.TestDoubles;
using LabelAndAlign.Web.Components.Layout;
using LabelAndAlign.Web.Components.Shared;
using LabelAndAlign.Web.Security;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace LabelAndAlign.Web.Tests.Components;

/// <summary>
/// A bUnit context with what the app's components need: MudBlazor's services (its JS calls
/// answered loosely, as no browser runs), the page feedback service and the theme cookie.
/// </summary>
public abstract class UiTestContext : BunitContext, IAsyncLifetime
{
    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services are async-disposable only; xunit runs this before Dispose, which then finds nothing left.
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    protected UiTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddScoped<Feedback>();
        Services.AddScoped<ThemeCookie>();
        Services.AddLogging();
    }

    /// <summary>Signs in a person with a role; the policies the role passes (see AppPolicies) are granted.</summary>
    protected BunitAuthorizationContext SignIn(string email, string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(email);
        auth.SetRoles(role);
        auth.SetClaims(new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Role, role));
        auth.SetPolicies(AppPolicies.Roles.Where(p => p.Value.Any(r => r.ToString() == role)).Select(p => p.Key).ToArray());
        return auth;
    }
}
