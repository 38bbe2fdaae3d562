using LabelAndAlign.Web.Data;
using LabelAndAlign.Web.Data.Runs;
using LabelAndAlign.Web.Services;
using LabelAndAlign.Web.Services.Runs;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LabelAndAlign.Web.Tests.Components;

/// <summary>
/// The run pages' services over a real migrated SQLite file (runs, points and checkpoints as the
/// app stores them), for page tests that read and act through RunService.
/// </summary>
public abstract class RunPagesTestContext : UiTestContext
{
    protected TestDatabase Db { get; } = new();
    protected RunsNotifier Notifier { get; } = new();

    protected RunPagesTestContext()
    {
        Services.AddSingleton(Db.Factory);
        Services.AddSingleton(Db.Settings);
        Services.AddSingleton(Notifier);
        Services.AddSingleton(new Services.Labeling.LabelingEvents());
        Services.AddSingleton<Services.Workers.EngineSignals>();
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton<IHttpContextAccessor, HttpContextAccessor>();
        Services.AddScoped<AuditLog>();
        Services.AddScoped<RunService>();
        Services.AddScoped<IMetricReader>(sp => sp.GetRequiredService<RunService>());
        Services.AddScoped<RunLineageFilter>();
        Services.AddScoped<Services.Archiving.Archives>();
        Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new Services.Imports.ImportOptions()));
        Services.AddSingleton(new Services.Labeling.LabelingRandom(1));
        Services.AddScoped<Services.Labeling.ItemParser>();
        Services.AddScoped<Services.Labeling.ImportService>();
        Services.AddScoped<LabelLoops>();
    }

    protected int AddRun(string name, RunStatus status, string config = "{\"learning_rate\":0.001}", string? error = null, int step = 0, int total = 100)
    {
        using var ctx = Db.CreateContext();
        var run = new Run
        {
            Name = name, Algorithm = "sft", ConfigJson = config, Status = status, Error = error, Step = step, TotalSteps = total,
            CreatedAt = DateTime.UtcNow, StartedAt = status == RunStatus.Queued ? null : DateTime.UtcNow,
        };
        ctx.Runs.Add(run);
        ctx.SaveChanges();
        return run.Id;
    }

    /// <summary>A checkpoint row of the run at the step, with its folder in the data folder (as a worker's upload leaves it).</summary>
    protected int AddCheckpoint(int run, int step)
    {
        string path = $"runs/{run}/checkpoints/checkpoint-{step}";
        Directory.CreateDirectory(Path.Combine(Db.Directory, path));
        using var ctx = Db.CreateContext();
        var c = new RunCheckpoint { RunId = run, Step = step, Path = path, CreatedAt = DateTime.UtcNow };
        ctx.RunCheckpoints.Add(c);
        ctx.SaveChanges();
        return c.Id;
    }

    protected void SetBase(int run, int checkpoint)
    {
        using var ctx = Db.CreateContext();
        ctx.Runs.Where(r => r.Id == run).ExecuteUpdate(u => u.SetProperty(r => r.BaseCheckpointId, checkpoint));
    }

    protected void AddPoints(int run, string name, int steps)
    {
        using var ctx = Db.CreateContext();
        ctx.Database.ExecuteSqlRaw("""
            WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {2})
            INSERT INTO metric_points ("RunId", "Name", "Step", "Value", "Time") SELECT {0}, {1}, n, 1.0 / n, 1700000000 + n FROM s;
            """, run, name, steps);
    }

    protected RunStatus StatusOf(int run)
    {
        using var ctx = Db.CreateContext();
        return ctx.Runs.Single(r => r.Id == run).Status;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) Db.Dispose();
    }
}
