using System.Security.Claims;
using LabelAndAlign.Web.Data;

namespace LabelAndAlign.Web.Security;

/// <summary>The claims a signed-in user carries, built the same way for cookies and API keys.</summary>
public static class AppClaims
{
    /// <summary>The user's security stamp when the cookie was issued; a change ends the session.</summary>
    public const string SecurityStamp = "lna:stamp";

    public static ClaimsPrincipal CreatePrincipal(User user, string authenticationType) =>
        new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(ClaimTypes.Name, user.Email),
            new Claim(ClaimTypes.Email, user.Email),
            new Claim(ClaimTypes.Role, user.Role.ToString()),
            new Claim(SecurityStamp, user.SecurityStamp),
        ], authenticationType, ClaimTypes.Name, ClaimTypes.Role));

    /// <summary>The signed-in user's id, or null when anonymous.</summary>
    public static int? UserId(this ClaimsPrincipal principal) =>
        int.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out int id) ? id : null;
}
