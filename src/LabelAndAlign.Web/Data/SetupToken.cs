namespace LabelAndAlign.Web.Data;

/// <summary>
/// The one-time link printed to the console when the database has no admin and no bootstrap
/// credentials are configured. Stored hashed; used once; expires.
/// </summary>
public sealed class SetupToken
{
    public int Id { get; set; }
    public required string TokenHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? UsedAt { get; set; }
}
