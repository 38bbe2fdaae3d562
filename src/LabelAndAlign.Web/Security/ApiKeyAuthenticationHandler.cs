using System.Text.Encodings.Web;
using LabelAndAlign.Web.Services;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LabelAndAlign.Web.Security;

/// <summary>Authenticates <c>Authorization: Bearer &lt;api key&gt;</c> as the key's user, with that user's role.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyService keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        string key = header["Bearer ".Length..].Trim();
        var apiKey = await keys.FindAsync(key, Context.RequestAborted);
        if (apiKey?.User is not { } user) return AuthenticateResult.Fail("Unknown, revoked or disabled API key.");
        var principal = AppClaims.CreatePrincipal(user, SchemeName, apiKeyId: apiKey.Id);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem("Authentication required: send a valid API key as 'Authorization: Bearer <key>' or sign in.",
            statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in").ExecuteAsync(Context);
    }
}
