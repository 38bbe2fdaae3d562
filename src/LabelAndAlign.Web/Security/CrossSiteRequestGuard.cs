namespace LabelAndAlign.Web.Security;

/// <summary>
/// Refuses requests that ride on the sign-in cookie from a page of another origin. SameSite=Lax
/// stops other sites, but another port of the same host is the same site: its page could post to
/// the API, or open a hub WebSocket, with the person's cookie. So a cookie-carrying request that
/// names a foreign <c>Origin</c> is refused, and a state-changing one (POST, PUT, PATCH, DELETE)
/// must show it comes from our own pages (<c>Origin</c>, or <c>Sec-Fetch-Site: same-origin</c>).
/// Browsers send these on every cross-origin request and every POST, and pages cannot forge
/// them. Requests with an API key (<c>Authorization: Bearer</c>) carry no ambient credential and
/// pass untouched. Origins behind a proxy that rewrites the Host header go in
/// <c>Security:AllowedOrigins</c>.
/// </summary>
public static class CrossSiteRequestGuard
{
    public static IApplicationBuilder UseCrossSiteRequestGuard(this IApplicationBuilder app)
    {
        var allowed = app.ApplicationServices.GetRequiredService<IConfiguration>().GetSection("Security:AllowedOrigins").Get<string[]>() ?? [];
        return app.Use(async (ctx, next) =>
        {
            if (Refusal(ctx.Request, allowed) is { } reason)
            {
                await Results.Problem(reason, statusCode: StatusCodes.Status403Forbidden, title: "Cross-origin request refused").ExecuteAsync(ctx);
                return;
            }
            await next();
        });
    }

    /// <summary>Why the request is refused, or null when it may go on.</summary>
    public static string? Refusal(HttpRequest request, IReadOnlyCollection<string> allowedOrigins)
    {
        if (!request.Cookies.ContainsKey(AccountsExtensions.CookieName)) return null;
        if (request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        string origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
            return IsOwn(origin, request) || allowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase)
                ? null
                : $"A request from {origin} may not act with your sign-in here; only this site's own pages may (scripts: use an API key).";
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)) return null;
        string site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site == "same-origin") return null;
        return site.Length > 0
            ? $"A {site} request may not act with your sign-in here; only this site's own pages may (scripts: use an API key)."
            : "A state-changing request signed in with a cookie must come from this site's pages, which send an Origin header; scripts use an API key (Authorization: Bearer).";
    }

    /// <summary>
    /// Same host and port. The scheme is not compared: a proxy that ends TLS hands us http for an
    /// https page, and one host and port cannot serve both. A Host without a port means the default.
    /// </summary>
    private static bool IsOwn(string origin, HttpRequest request)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) return false;
        var host = request.Host;
        int port = host.Port ?? (uri.Scheme == "https" ? 443 : 80);
        return string.Equals(uri.IdnHost, host.Host, StringComparison.OrdinalIgnoreCase) && uri.Port == port;
    }
}
