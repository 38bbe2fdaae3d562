namespace LabelAndAlign.Web.Services.Labeling;

/// <summary>What a user may do in one project. Leads and admins manage every project.</summary>
public sealed record ProjectAccess(bool Exists, bool CanManage, bool CanLabel, bool CanView)
{
    public static readonly ProjectAccess None = new(false, false, false, false);
}
