using System.Globalization;
using System.Security.Claims;
using LabelAndAlign.Web.Data;

namespace LabelAndAlign.Web.Security;

/// <summary>The claims a signed-in user carries, built the same way for cookies and API keys.</summary>
public static class AppClaims
{
    /// <summary>The user's security stamp when the cookie or connection was authenticated; a change ends it.</summary>
    public const string SecurityStamp = "lna:stamp";

    /// <summary>The server-side session a cookie belongs to (<see cref="UserSession"/>).</summary>
    public const string SessionId = "lna:sid";

    /// <summary>The API key a script authenticated with.</summary>
    public const string ApiKeyId = "lna:key";

    /// <summary>A principal for a cookie session (<paramref name="sessionId"/>) or an API key (<paramref name="apiKeyId"/>).</summary>
    public static ClaimsPrincipal CreatePrincipal(User user, string authenticationType, string? sessionId = null, int? apiKeyId = null)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.Email),
            new(ClaimTypes.Email, user.Email),
            new(ClaimTypes.Role, user.Role.ToString()),
            new(SecurityStamp, user.SecurityStamp),
        };
        if (sessionId is not null) claims.Add(new Claim(SessionId, sessionId));
        if (apiKeyId is not null) claims.Add(new Claim(ApiKeyId, apiKeyId.Value.ToString(CultureInfo.InvariantCulture)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The signed-in user's id, or null when anonymous.</summary>
    public static int? UserId(this ClaimsPrincipal principal) =>
        int.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out int id) ? id : null;
}
