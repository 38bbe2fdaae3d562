using LabelAndAlign.Web.Security;
using LabelAndAlign.Web.Services;

namespace LabelAndAlign.Web.Api;

/// <summary>
/// <c>GET /api/users</c>, <c>POST /api/users</c> <c>{email, password, role}</c> → <c>{id}</c>,
/// <c>PATCH /api/users/{id}</c> <c>{role?, disabled?}</c>, and <c>POST /api/users/{id}/keys</c> →
/// <c>{key}</c> (shown once). Admin only.
/// </summary>
public static class UserEndpoints
{
    public sealed record CreateUserRequest(string? Email, string? Password, string? Role);
    public sealed record CreatedUser(int Id);
    public sealed record UpdateUserRequest(string? Role, bool? Disabled);
    public sealed record CreateKeyRequest(string? Name);
    public sealed record IssuedKey(string Key);
    public sealed record UserSummary(int Id, string Email, string Role, bool Disabled, DateTime CreatedAt, DateTime? LastSignInAt);

    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").RequireAuthorization(AppPolicies.Admin).WithTags("Users");

        users.MapGet("/", async (AccountService accounts, CancellationToken cancel) =>
            (await accounts.ListUsersAsync(cancel))
                .Select(u => new UserSummary(u.Id, u.Email, u.Role.ToString(), u.IsDisabled, u.CreatedAt, u.LastSignInAt)))
            .WithSummary("List users with their roles.");

        users.MapPost("/", async (CreateUserRequest? request, AccountService accounts, AuditLog audit, CancellationToken cancel) =>
        {
            if (request is null) return ApiResults.BadRequest("body", "Send a JSON body {email, password, role}.");
            var user = await accounts.CreateUserAsync(request.Email, request.Password, request.Role, cancel);
            await audit.RecordAsync("user.create", $"{user.Email} as {user.Role}", cancel: cancel);
            return Results.Created($"/api/users/{user.Id}", new CreatedUser(user.Id));
        }).WithSummary("Create a user with a role (Admin, Lead, Labeler, Viewer).");

        users.MapPatch("/{id:int}", async (int id, UpdateUserRequest? request, AccountService accounts, AuditLog audit, CancellationToken cancel) =>
        {
            if (request is null) return ApiResults.BadRequest("body", "Send a JSON body {role?, disabled?}.");
            var user = await accounts.FindAsync(id, cancel);
            if (user is null) return ApiResults.NotFound($"No user with id {id}.");
            if (request.Role is not null && AccountService.ParseRole(request.Role) is var role && role != user.Role)
            {
                var before = user.Role;
                user = await accounts.SetRoleAsync(id, role, cancel);
                await audit.RecordAsync("user.role", $"{user.Email}: {before} → {role}", cancel: cancel);
            }
            if (request.Disabled is bool disabled && disabled != user.IsDisabled)
            {
                user = await accounts.SetDisabledAsync(id, disabled, cancel);
                await audit.RecordAsync(disabled ? "user.disable" : "user.enable", user.Email, cancel: cancel);
            }
            return Results.Ok(new UserSummary(user.Id, user.Email, user.Role.ToString(), user.IsDisabled, user.CreatedAt, user.LastSignInAt));
        }).WithSummary("Change a user's role and/or disable or enable them; their open sessions and hub connections end at once.");

        users.MapPost("/{id:int}/keys", async (int id, CreateKeyRequest? request, AccountService accounts, ApiKeyService keys, AuditLog audit, CancellationToken cancel) =>
        {
            var user = await accounts.FindAsync(id, cancel);
            if (user is null) return ApiResults.NotFound($"No user with id {id}.");
            string name = string.IsNullOrWhiteSpace(request?.Name) ? "api" : request.Name.Trim();
            if (name.Length > 100) return ApiResults.BadRequest("name", "Key name must have at most 100 characters.");
            string key = await keys.IssueAsync(user.Id, name, cancel);
            await audit.RecordAsync("key.create", $"for {user.Email}", cancel: cancel);
            return Results.Ok(new IssuedKey(key));
        }).WithSummary("Issue an API key for a user; the key is shown only in this answer.");

        return app;
    }
}
