namespace LabelAndAlign.Web.Data;

/// <summary>
/// One security-relevant event: sign-ins (and failures), role changes, key creation, exports,
/// run launches. Append-only; read by admins on the Admin page.
/// </summary>
public sealed class AuditEvent
{
    public long Id { get; set; }
    public DateTime At { get; set; }

    /// <summary>Who acted; null for anonymous events such as a failed sign-in.</summary>
    public int? UserId { get; set; }

    /// <summary>A short dotted verb: <c>signin.ok</c>, <c>signin.failed</c>, <c>user.role</c>, <c>key.create</c>, …</summary>
    public required string Action { get; set; }

    /// <summary>What it was about, for people: "ana@example.com: Labeler → Lead".</summary>
    public string Detail { get; set; } = "";

    public string? Ip { get; set; }
}
