using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Data.Workers;

/// <summary>The workers and generation_jobs tables as <c>0008_workers.sql</c> and <c>0009_generation_jobs.sql</c> create them.</summary>
public static class WorkersModel
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<EngineWorker>(e =>
        {
            e.ToTable("workers");
            e.HasIndex(w => w.Name).IsUnique().HasDatabaseName("IX_workers_Name");
            e.HasOne<User>().WithMany().HasForeignKey(w => w.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<GenerationJob>(e =>
        {
            e.ToTable("generation_jobs");
            e.Property(g => g.Status).HasConversion<string>();
            e.HasIndex(g => new { g.Status, g.Id }).HasDatabaseName("IX_generation_jobs_Status_Id");
            e.HasOne<Labeling.Project>().WithMany().HasForeignKey(g => g.ProjectId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Runs.Run>().WithMany().HasForeignKey(g => g.RunId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Runs.RunCheckpoint>().WithMany().HasForeignKey(g => g.JudgeCheckpointId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(g => new { g.JudgeCheckpointId, g.RunId }).HasDatabaseName("IX_generation_jobs_JudgeCheckpointId_RunId");
        });
    }
}
