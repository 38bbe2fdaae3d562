namespace LabelAndAlign.Web.Data;

/// <summary>The four roles; what each may do is in <see cref="Security.AppPolicies"/>.</summary>
public enum UserRole
{
    Viewer = 0,
    Labeler = 1,
    Lead = 2,
    Admin = 3,
}
