using LabelAndAlign.Web.ScaleOut;
using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Hubs;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;

namespace LabelAndAlign.Web.Security;

public static class AccountsExtensions
{
    private const string SmartScheme = "CookieOrApiKey";

    /// <summary>The sign-in cookie's name.</summary>
    public const string CookieName = "lna.auth";

    /// <summary>Cookie sign-in for people, Bearer API keys for scripts, and the role policies.</summary>
    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddScoped<IPasswordHasher<User>, PasswordHasher<User>>();
        services.AddScoped<AccountService>();
        services.AddScoped<ApiKeyService>();
        services.AddScoped<SetupService>();
        services.AddScoped<InviteService>();
        services.AddScoped<AuditLog>();
        services.AddScoped<UserSessions>();
        services.AddScoped<ISignInThrottle, SignInThrottle>();
        services.AddInstanceBusListener<LiveSessions>();
        services.AddHostedService<SessionSweep>();
        services.AddScoped<CircuitHandler, CircuitSessionGuard>();
        services.AddSingleton<HubSessionGuard>();
        services.AddSignalR()
            .AddHubOptions<RunsHub>(o => o.AddFilter<HubSessionGuard>())
            .AddHubOptions<LabelingHub>(o => o.AddFilter<HubSessionGuard>());
        services.AddHttpContextAccessor();
        services.AddSignInRateLimit();

        services.AddAuthentication(SmartScheme)
            .AddPolicyScheme(SmartScheme, "Cookie or API key", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = "/login";
                o.AccessDeniedPath = "/access-denied";
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = ValidateSessionAsync;
                // Scripts get status codes, not a redirect to an HTML sign-in page.
                o.Events.OnRedirectToLogin = ctx => StatusOrRedirect(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => StatusOrRedirect(ctx, StatusCodes.Status403Forbidden);
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);

        services.AddAuthorization(AppPolicies.Configure);
        services.AddCascadingAuthenticationState();
        return builder;
    }

    /// <summary>
    /// <c>POST /logout</c>, from a form with the antiforgery token, ends the session on the server
    /// (a copy of the cookie no longer signs anyone in) and removes the cookie.
    /// </summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/logout", async (HttpContext ctx, IAntiforgery antiforgery, UserSessions sessions) =>
        {
            if (!await antiforgery.IsRequestValidAsync(ctx))
                return Results.Problem("Sign out from the app's own Sign out button (the request had no valid antiforgery token).",
                    statusCode: StatusCodes.Status400BadRequest);
            await sessions.SignOutAsync(ctx, ctx.RequestAborted);
            return Results.LocalRedirect("/login");
        }).AllowAnonymous().DisableAntiforgery();
        return app;
    }

    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext ctx)
    {
        var sessions = ctx.HttpContext.RequestServices.GetRequiredService<UserSessions>();
        if (ctx.Principal is { } principal && await sessions.IsCurrentAsync(principal, ctx.HttpContext.RequestAborted)) return;
        ctx.RejectPrincipal();
        await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    private static Task StatusOrRedirect(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/hubs"))
            ctx.Response.StatusCode = status;
        else
            ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }
}
