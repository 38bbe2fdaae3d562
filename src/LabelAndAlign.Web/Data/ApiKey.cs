namespace LabelAndAlign.Web.Data;

/// <summary>
/// A key that scripts send as <c>Authorization: Bearer &lt;key&gt;</c>. Only its SHA-256 is
/// stored: keys are 256-bit random, so a fast hash is enough and lookups stay one index seek.
/// </summary>
public sealed class ApiKey
{
    public int Id { get; set; }
    public int UserId { get; set; }
    public User? User { get; set; }

    /// <summary>A human label ("bootstrap", "nightly export").</summary>
    public string Name { get; set; } = "";

    /// <summary>The first characters of the key, shown in lists so people can tell keys apart.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>Lower-case hex SHA-256 of the whole key; unique.</summary>
    public required string KeyHash { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}
