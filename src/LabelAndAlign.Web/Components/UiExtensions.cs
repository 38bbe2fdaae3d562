using LabelAndAlign.Web.Components.Layout;
using LabelAndAlign.Web.Components.Shared;
using LabelAndAlign.Web.Hosting;
using Microsoft.AspNetCore.Components.Server.Circuits;
using MudBlazor;
using MudBlazor.Services;

namespace LabelAndAlign.Web.Components;

public static class UiExtensions
{
    /// <summary>MudBlazor, the page feedback service, the theme cookie, and pausing open pages across a restart.</summary>
    public static WebApplicationBuilder AddUi(this WebApplicationBuilder builder)
    {
        var s = builder.Services;
        s.AddMudServices(c =>
        {
            c.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            c.SnackbarConfiguration.PreventDuplicates = false;
            c.SnackbarConfiguration.VisibleStateDuration = 5000;
            c.SnackbarConfiguration.ShowCloseIcon = true;
        });
        s.AddScoped<Feedback>();
        s.AddScoped<ThemeCookie>();
        s.AddSingleton<CircuitPauses>();
        s.AddScoped<CircuitHandler, CircuitPauseHandler>();
        return builder;
    }

    /// <summary>The endpoints the UI itself needs (the theme cookie).</summary>
    public static IEndpointRouteBuilder MapUi(this IEndpointRouteBuilder app) => ThemeCookie.MapThemePreference(app);

    /// <summary>
    /// While the app stops, a new circuit connection (Blazor's negotiate request) is answered 503 with Retry-After
    /// (<see cref="CircuitPauses.RefusesNewCircuits"/>); connections already open are left to pause.
    /// </summary>
    public static IApplicationBuilder UseCircuitRefusalWhileStopping(this IApplicationBuilder app) =>
        // CircuitPauses is resolved per request, not here: created at start-up, its stop callback would run after
        // SignalR's (callbacks run last-registered first), when every circuit connection is already closed.
        app.Use((ctx, next) =>
        {
            if (!ctx.Request.Path.StartsWithSegments("/_blazor/negotiate")
                || !ctx.RequestServices.GetRequiredService<CircuitPauses>().RefusesNewCircuits) return next(ctx);
            ctx.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            ctx.Response.Headers.RetryAfter = "1";
            return Task.CompletedTask;
        });
}
