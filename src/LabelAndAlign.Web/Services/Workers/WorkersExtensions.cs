using Microsoft.AspNetCore.SignalR;
using LabelAndAlign.Web.Hosting;
using LabelAndAlign.Web.Hubs;
using LabelAndAlign.Web.Security;

namespace LabelAndAlign.Web.Services.Workers;

public static class WorkersExtensions
{
    /// <summary>Messages from workers hold a batch of metric points and samples; the worker keeps each under this.</summary>
    public const long MaxMessageBytes = 4 * 1024 * 1024;

    /// <summary>Hub calls one worker connection may have in progress: a report per run it trains, a generation's progress, its heartbeat and claim, and live messages.</summary>
    public const int MaxParallelCalls = 8;

    /// <summary>Training and item generation on workers (settings under <c>Training</c>): the engine hub, leases and reports, the local workers and the lease sweep.</summary>
    public static WebApplicationBuilder AddWorkers(this WebApplicationBuilder builder)
    {
        var s = builder.Services;
        s.Configure<TrainingOptions>(builder.Configuration.GetSection("Training"));
        // A context per operation from the factory, so one of each serves every connection.
        s.AddSingleton<RunLeases>();
        s.AddSingleton<RunReports>();
        s.AddSingleton<PointPushes>();
        s.AddSingleton<GenerationJobs>();
        s.AddSingleton<CheckpointUploads>();
        s.AddSingleton<WorkerRegistry>();
        s.AddSingleton<EngineSignals>();
        s.AddSignalR().AddHubOptions<EngineHub>(o =>
        {
            o.AddFilter<HubSessionGuard>(); // a revoked key or disabled worker account is cut off at once
            o.MaximumReceiveMessageSize = MaxMessageBytes;
            // A worker's live messages are handled while its report waits for its write (one at a time, they would wait
            // behind it); its reports still come one at a time, each after the one before was answered.
            o.MaximumParallelInvocationsPerClient = MaxParallelCalls;
        });
        s.AddHostedService<LeaseSweep>();
        s.AddSingleton<LocalWorkers>();
        s.AddHostedService(sp => sp.GetRequiredService<LocalWorkers>());
        return builder;
    }
}
