namespace LabelAndAlign.Web.Data;

/// <summary>A person who signs in: a labeler, a lead, a viewer or an admin.</summary>
public sealed class User
{
    public int Id { get; set; }

    /// <summary>Lower-cased, trimmed; unique.</summary>
    public required string Email { get; set; }

    /// <summary>ASP.NET's <c>PasswordHasher&lt;User&gt;</c> format (PBKDF2, versioned).</summary>
    public string PasswordHash { get; set; } = "";

    public UserRole Role { get; set; }

    /// <summary>A disabled user cannot sign in, and open sessions stop at their next request.</summary>
    public bool IsDisabled { get; set; }

    /// <summary>Changes whenever sign-in facts change (role, disabled, a password set by an admin or an invite): every open session and hub connection ends.</summary>
    public string SecurityStamp { get; set; } = Guid.NewGuid().ToString("N");

    public DateTime CreatedAt { get; set; }
    public DateTime? LastSignInAt { get; set; }

    public List<ApiKey> ApiKeys { get; set; } = [];
}
