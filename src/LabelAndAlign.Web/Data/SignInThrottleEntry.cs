namespace LabelAndAlign.Web.Data;

/// <summary>
/// Sign-in attempts for one email address (stored as a hash: people type passwords into the
/// email field), kept whether or not an account has that address.
/// </summary>
public sealed class SignInThrottleEntry
{
    /// <summary>Lower-case hex SHA-256 of the normalised email.</summary>
    public required string EmailHash { get; set; }

    /// <summary>Attempts begun since the last success or the end of the last lockout.</summary>
    public int Attempts { get; set; }

    public DateTime? LockedUntil { get; set; }
    public DateTime UpdatedAt { get; set; }
}
