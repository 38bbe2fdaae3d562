using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing.Patterns;

namespace LabelAndAlign.Web.Security;

public static class FrameworkEndpoints
{
    /// <summary>
    /// Blazor's script (<c>/_framework/…</c>) and circuit hub (<c>/_blazor…</c>) must load for the
    /// sign-in page too; the fallback "signed-in users only" policy would otherwise block them.
    /// Pages keep their own [Authorize] policies, which the circuit enforces.
    /// </summary>
    public static RazorComponentsEndpointConventionBuilder AllowAnonymousFrameworkEndpoints(this RazorComponentsEndpointConventionBuilder builder)
    {
        builder.Add(endpoint =>
        {
            if (endpoint is RouteEndpointBuilder { RoutePattern: RoutePattern pattern } &&
                (pattern.RawText ?? "").TrimStart('/') is var raw &&
                (raw.StartsWith("_framework", StringComparison.Ordinal) || raw.StartsWith("_blazor", StringComparison.Ordinal)))
            {
                endpoint.Metadata.Add(new AllowAnonymousAttribute());
            }
        });
        return builder;
    }
}
