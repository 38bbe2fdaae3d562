namespace LabelAndAlign.Web.Data;

/// <summary>
/// A link an admin hands to a new person: it lets them set their own password once, until it
/// expires. Stored hashed, like API keys.
/// </summary>
public sealed class Invite
{
    public int Id { get; set; }
    public int UserId { get; set; }
    public User? User { get; set; }
    public required string TokenHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? UsedAt { get; set; }
}
