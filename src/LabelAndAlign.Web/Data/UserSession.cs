namespace LabelAndAlign.Web.Data;

/// <summary>
/// One cookie sign-in. The cookie carries <see cref="Id"/>; a session the server ended (sign-out,
/// the person's own password change elsewhere) or one older than its maximum age no longer signs
/// anyone in, whatever the cookie says.
/// </summary>
public sealed class UserSession
{
    /// <summary>256-bit random, URL-safe.</summary>
    public required string Id { get; set; }
    public int UserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? EndedAt { get; set; }
}
