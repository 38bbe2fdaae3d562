namespace LabelAndAlign.Web.Data;

/// <summary>
/// The roles; what each may do is in <see cref="Security.AppPolicies"/>. People have one of the first four; a
/// <see cref="Worker"/> account is a training machine's identity: its API keys connect to the engine hub and do nothing else.
/// </summary>
public enum UserRole
{
    Viewer = 0,
    Labeler = 1,
    Lead = 2,
    Admin = 3,
    Worker = 4,
}
