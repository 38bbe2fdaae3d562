using Microsoft.JSInterop;

namespace LabelAndAlign.Web.Components.Layout;

/// <summary>
/// Remembers the theme in a cookie, so the next page is rendered in it from the first byte. The
/// circuit has no response to set a cookie on, so the browser posts the choice to
/// <c>POST /preferences/theme?value=…</c> (its own <c>fetch</c>, called through JS interop: no script of ours).
/// </summary>
public sealed class ThemeCookie(IJSRuntime js, ILogger<ThemeCookie> logger)
{
    public const string Path = "/preferences/theme";

    public async Task RememberAsync(ThemeSettings theme)
    {
        try
        {
            await js.InvokeVoidAsync("fetch", $"{Path}?value={Uri.EscapeDataString(theme.ToCookie())}", new { method = "POST", credentials = "same-origin" });
        }
        catch (Exception e) when (e is JSException or JSDisconnectedException or TaskCanceledException)
        {
            // The page keeps the theme; only the next visit would start in the old one.
            logger.LogDebug(e, "Could not remember the theme");
        }
    }

    /// <summary>The endpoint the browser posts to: sets the cookie (a year, this site only) and answers 204.</summary>
    public static IEndpointRouteBuilder MapThemePreference(IEndpointRouteBuilder app)
    {
        app.MapPost(Path, (string? value, HttpContext context) =>
        {
            var theme = ThemeSettings.Parse(value);
            context.Response.Cookies.Append(ThemeSettings.CookieName, theme.ToCookie(), new CookieOptions
            {
                MaxAge = TimeSpan.FromDays(365),
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = context.Request.IsHttps,
                IsEssential = true,
                Path = "/",
            });
            return TypedResults.NoContent();
        }).ExcludeFromDescription();
        return app;
    }
}
