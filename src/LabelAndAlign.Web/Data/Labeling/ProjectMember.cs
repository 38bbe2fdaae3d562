namespace LabelAndAlign.Web.Data.Labeling;

/// <summary>A person's role in one project: Labeler, Lead or Viewer (see <see cref="ProjectRoles"/>).</summary>
public sealed class ProjectMember
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public int UserId { get; set; }
    public required string Role { get; set; }
    public DateTime AddedAt { get; set; }
}

public static class ProjectRoles
{
    public const string Labeler = nameof(Labeler);
    public const string Lead = nameof(Lead);
    public const string Viewer = nameof(Viewer);
    public static readonly string[] All = [Labeler, Lead, Viewer];
}
