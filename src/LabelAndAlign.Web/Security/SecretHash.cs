using System.Security.Cryptography;
using System.Text;

namespace LabelAndAlign.Web.Security;

/// <summary>Random secrets (API keys, setup tokens) and the hash under which they are stored.</summary>
public static class SecretHash
{
    /// <summary>A URL-safe random string with 256 bits of entropy and a readable prefix.</summary>
    public static string NewSecret(string prefix) =>
        prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Lower-case hex SHA-256. Enough for 256-bit random secrets, unlike for passwords.</summary>
    public static string Of(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
