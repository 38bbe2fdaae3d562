using LabelAndAlign.Engine.Recipe;
using LabelAndAlign.Web.Hosting;
using LabelAndAlign.Web.Services.Datasets;

namespace LabelAndAlign.Web.Services.Runs;

public static class RunsExtensions
{
    /// <summary>Datasets, runs, the live notifier and the hosted training engine (settings under <c>Training</c>).</summary>
    public static WebApplicationBuilder AddRuns(this WebApplicationBuilder builder)
    {
        var s = builder.Services;
        s.Configure<TrainingOptions>(builder.Configuration.GetSection("Training"));
        s.AddSingleton<RunsNotifier>();
        s.AddSingleton<TrainingEngineSignal>();
        s.AddScoped<DatasetService>();
        s.AddScoped<RunService>();
        s.AddScoped<RunLauncher>();
        // The training backends this app offers (the spec's engine and device keys choose among them): the one place to register another.
        s.AddSingleton(TrainingBackends.NativeOnly);
        s.AddSingleton<RunFactory>();
        s.AddScoped<RunLineageFilter>();
        s.AddScoped<IMetricReader>(sp => sp.GetRequiredService<RunService>());
        s.AddHostedService<TrainingEngine>();
        s.AddSignalR();
        return builder;
    }
}
