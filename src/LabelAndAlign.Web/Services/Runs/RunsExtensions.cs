using LabelAndAlign.Web.ScaleOut;
using LabelAndAlign.Web.Services.Datasets;

namespace LabelAndAlign.Web.Services.Runs;

public static class RunsExtensions
{
    /// <summary>Datasets, runs, uploaded models (settings under <c>Checkpoints</c>) and the live notifier; the runs train on workers (<see cref="Workers.WorkersExtensions.AddWorkers"/>).</summary>
    public static WebApplicationBuilder AddRuns(this WebApplicationBuilder builder)
    {
        var s = builder.Services;
        s.AddInstanceBusListener<RunsNotifier>();
        s.AddScoped<DatasetService>();
        s.AddScoped<RunService>();
        s.AddScoped<RunLauncher>();
        s.AddScoped<LabelLoops>();
        s.Configure<ModelUploadOptions>(builder.Configuration.GetSection("Checkpoints"));
        s.AddScoped<ModelUploads>();
        s.AddScoped<RunLineageFilter>();
        s.AddScoped<Evaluation.BlindReviews>();
        s.AddScoped<Evaluation.RunEvaluations>();
        s.AddScoped<Evaluation.JudgeScores>();
        s.AddScoped<IMetricReader>(sp => sp.GetRequiredService<RunService>());
        s.AddSingleton<MetricPrefetch>();
        s.AddHostedService<Components.Charts.ChartWarmup>();
        s.AddHostedService<RunPageWarmup>();
        s.AddSignalR();
        return builder;
    }
}
