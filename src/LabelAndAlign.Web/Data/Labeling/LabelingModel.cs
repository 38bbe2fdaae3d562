using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Data.Labeling;

/// <summary>The labeling tables: projects, members, items, assignments (the queue) and labels.</summary>
public static class LabelingModel
{
    /// <summary>Assignments that hold one of the item's slots (a quoted column name reads the same on SQLite and PostgreSQL).</summary>
    private static readonly string HoldsSlot = $"\"Status\" IN ('{AssignmentStatus.Leased}', '{AssignmentStatus.Done}')";

    public static void Configure(ModelBuilder b)
    {
        b.Entity<Project>(e => e.ToTable("projects"));
        b.Entity<ProjectMember>(e =>
        {
            e.ToTable("project_members");
            e.HasOne<Project>().WithMany().HasForeignKey(m => m.ProjectId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<User>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(m => new { m.ProjectId, m.UserId }).IsUnique().HasDatabaseName("IX_project_members_ProjectId_UserId");
            e.HasIndex(m => m.UserId).HasDatabaseName("IX_project_members_UserId");
        });
        b.Entity<Item>(e =>
        {
            e.ToTable("items");
            e.HasOne<Project>().WithMany().HasForeignKey(i => i.ProjectId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(i => new { i.ProjectId, i.IsOpen, i.IsGold, i.Id }).HasDatabaseName("IX_items_ProjectId_IsOpen_IsGold_Id");
            e.HasIndex(i => new { i.ProjectId, i.LabelCount }).HasDatabaseName("IX_items_ProjectId_LabelCount");
            e.HasIndex(i => new { i.ProjectId, i.ArchivedAt }).HasDatabaseName("IX_items_ProjectId_ArchivedAt");
        });
        b.Entity<Assignment>(e =>
        {
            e.ToTable("assignments");
            e.Property(a => a.Status).HasConversion<string>();
            e.HasOne<Item>().WithMany().HasForeignKey(a => a.ItemId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<User>().WithMany().HasForeignKey(a => a.LabelerId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(a => new { a.ItemId, a.LabelerId, a.Status }).HasDatabaseName("IX_assignments_ItemId_LabelerId_Status");
            e.HasIndex(a => new { a.ItemId, a.LabelerId }).IsUnique()
                .HasFilter(HoldsSlot).HasDatabaseName("UX_assignments_ItemId_LabelerId_Active");
            e.HasIndex(a => new { a.LabelerId, a.ProjectId, a.Status }).HasDatabaseName("IX_assignments_LabelerId_ProjectId_Status");
            e.HasIndex(a => new { a.ProjectId, a.Status, a.LeasedUntil }).HasDatabaseName("IX_assignments_ProjectId_Status_LeasedUntil");
        });
        b.Entity<Label>(e =>
        {
            e.ToTable("labels");
            e.HasOne<Assignment>().WithMany().HasForeignKey(l => l.AssignmentId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(l => l.AssignmentId).IsUnique().HasDatabaseName("IX_labels_AssignmentId");
            e.HasIndex(l => new { l.ProjectId, l.ItemId }).HasDatabaseName("IX_labels_ProjectId_ItemId");
            e.HasIndex(l => new { l.LabelerId, l.ProjectId, l.CreatedAt }).HasDatabaseName("IX_labels_LabelerId_ProjectId_CreatedAt");
        });
    }
}
