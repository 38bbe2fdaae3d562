using LabelAndAlign.Web.Data;

namespace LabelAndAlign.Web.Services;

/// <summary>The outcome of a password check: the user, or why not (locked until a time, or simply wrong).</summary>
public sealed record SignInAttempt(User? User, DateTime? LockedUntil)
{
    public static SignInAttempt Failed { get; } = new(null, null);
    public bool Succeeded => User is not null;
}
