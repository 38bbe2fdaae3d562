namespace LabelAndAlign.Web.Security;

/// <summary>
/// Headers on every response that make injected content inert and the app unframeable:
/// a CSP that runs only our own scripts (no inline script, no eval), no MIME sniffing, no
/// framing, and no full URLs leaked to other sites. Styles may be inline: MudBlazor writes its
/// theme as a <c>&lt;style&gt;</c> element and positions popovers with style attributes, and
/// plotly injects its stylesheet; a style cannot run code (see README, Security).
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; " +
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (ctx, next) =>
    {
        ctx.Response.OnStarting(() =>
        {
            var h = ctx.Response.Headers;
            h.ContentSecurityPolicy = ContentSecurityPolicy;
            h.XContentTypeOptions = "nosniff";
            h.XFrameOptions = "DENY";
            h["Referrer-Policy"] = "strict-origin-when-cross-origin";
            h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
            h["Cross-Origin-Opener-Policy"] = "same-origin";
            return Task.CompletedTask;
        });
        await next();
    });
}
