using LabelAndAlign.Web.Data;
using Microsoft.AspNetCore.Authorization;

namespace LabelAndAlign.Web.Security;

/// <summary>
/// What each role may do. Pages, API routes and hubs name one of these policies; the nav menu
/// shows an item only when the user satisfies its policy. Everything else (pages and routes that
/// name no policy) is for people: a Worker key is refused there, so it can do nothing but work.
/// </summary>
public static class AppPolicies
{
    /// <summary>Label items (Labeler, Lead, Admin).</summary>
    public const string Label = nameof(Label);

    /// <summary>Read runs, samples and dashboards (Viewer, Lead, Admin).</summary>
    public const string ReadRuns = nameof(ReadRuns);

    /// <summary>Manage projects, datasets and runs (Lead, Admin).</summary>
    public const string Manage = nameof(Manage);

    /// <summary>Manage users and the installation (Admin).</summary>
    public const string Admin = nameof(Admin);

    /// <summary>Connect to the engine hub and fetch and upload what held jobs need (Worker).</summary>
    public const string Work = nameof(Work);

    /// <summary>The roles people have (every role but Worker): what a page or route that names no policy requires.</summary>
    public static readonly UserRole[] People = [UserRole.Viewer, UserRole.Labeler, UserRole.Lead, UserRole.Admin];

    public static readonly IReadOnlyDictionary<string, UserRole[]> Roles = new Dictionary<string, UserRole[]>
    {
        [Label] = [UserRole.Labeler, UserRole.Lead, UserRole.Admin],
        [ReadRuns] = [UserRole.Viewer, UserRole.Lead, UserRole.Admin],
        [Manage] = [UserRole.Lead, UserRole.Admin],
        [Admin] = [UserRole.Admin],
        [Work] = [UserRole.Worker],
    };

    public static void Configure(AuthorizationOptions options)
    {
        foreach (var (name, roles) in Roles)
            options.AddPolicy(name, p => p.RequireAuthenticatedUser().RequireRole(roles.Select(r => r.ToString())));
        // Deny by default: an endpoint that forgets [Authorize] still needs a signed-in person, and
        // plain [Authorize] means the same (not a Worker key).
        var person = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(People.Select(r => r.ToString())).Build();
        options.DefaultPolicy = person;
        options.FallbackPolicy = person;
    }
}
