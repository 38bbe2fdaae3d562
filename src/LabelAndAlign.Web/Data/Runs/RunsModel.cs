using Microsoft.EntityFrameworkCore;

namespace LabelAndAlign.Web.Data.Runs;

/// <summary>The dataset and run tables: datasets and their rows, runs, metric points and their blocks, samples, their reward-model scores and checkpoints.</summary>
public static class RunsModel
{
    public static void Configure(ModelBuilder b)
    {
        b.Entity<Dataset>(e =>
        {
            e.ToTable("datasets");
            e.HasIndex(d => d.Source).IsUnique().HasDatabaseName("IX_datasets_Source");
        });
        b.Entity<DatasetRow>(e =>
        {
            e.ToTable("dataset_rows");
            e.HasOne<Dataset>().WithMany().HasForeignKey(r => r.DatasetId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(r => new { r.DatasetId, r.Line }).HasDatabaseName("IX_dataset_rows_DatasetId_Line");
        });
        b.Entity<Run>(e =>
        {
            e.ToTable("runs");
            e.Property(r => r.Status).HasConversion<string>();
            e.Ignore(r => r.IsFinished);
            e.HasIndex(r => new { r.Status, r.Id }).HasDatabaseName("IX_runs_Status_Id");
        });
        b.Entity<MetricPoint>(e =>
        {
            e.ToTable("metric_points");
            e.HasOne<Run>().WithMany().HasForeignKey(p => p.RunId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(p => new { p.RunId, p.Name, p.Step, p.Value, p.Time }).HasDatabaseName("IX_metric_points_RunId_Name_Step");
        });
        b.Entity<MetricBlock>(e =>
        {
            // Filled by triggers (MetricBlockTriggers), never by EF.
            e.ToTable("metric_blocks");
            e.HasKey(k => new { k.RunId, k.Name, k.Block });
            e.HasOne<Run>().WithMany().HasForeignKey(k => k.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<RunSample>(e =>
        {
            e.ToTable("run_samples");
            e.HasOne<Run>().WithMany().HasForeignKey(s => s.RunId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(s => new { s.RunId, s.Step }).HasDatabaseName("IX_run_samples_RunId_Step");
        });
        b.Entity<SampleScore>(e =>
        {
            e.ToTable("sample_scores");
            e.HasKey(s => new { s.SampleId, s.JudgeCheckpointId });
            e.HasOne<RunSample>().WithMany().HasForeignKey(s => s.SampleId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<RunCheckpoint>().WithMany().HasForeignKey(s => s.JudgeCheckpointId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(s => s.JudgeCheckpointId).HasDatabaseName("IX_sample_scores_JudgeCheckpointId");
        });
        b.Entity<RunCheckpoint>(e =>
        {
            e.ToTable("run_checkpoints");
            e.HasOne<Run>().WithMany().HasForeignKey(c => c.RunId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(c => new { c.RunId, c.Step }).IsUnique().HasDatabaseName("IX_run_checkpoints_RunId_Step");
        });
    }
}
