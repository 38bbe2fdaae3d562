using LabelAndAlign.Web.Data;
using Microsoft.AspNetCore.Authorization;

namespace LabelAndAlign.Web.Security;

/// <summary>
/// What each role may do. Pages, API routes and hubs name one of these policies; the nav menu
/// shows an item only when the user satisfies its policy.
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

    public static readonly IReadOnlyDictionary<string, UserRole[]> Roles = new Dictionary<string, UserRole[]>
    {
        [Label] = [UserRole.Labeler, UserRole.Lead, UserRole.Admin],
        [ReadRuns] = [UserRole.Viewer, UserRole.Lead, UserRole.Admin],
        [Manage] = [UserRole.Lead, UserRole.Admin],
        [Admin] = [UserRole.Admin],
    };

    public static void Configure(AuthorizationOptions options)
    {
        foreach (var (name, roles) in Roles)
            options.AddPolicy(name, p => p.RequireAuthenticatedUser().RequireRole(roles.Select(r => r.ToString())));
        // Deny by default: an endpoint that forgets [Authorize] still needs a signed-in user.
        options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
    }
}
