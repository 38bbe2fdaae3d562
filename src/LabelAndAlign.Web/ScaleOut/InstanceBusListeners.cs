using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LabelAndAlign.Web.ScaleOut;

/// <summary>
/// Creates the app's <see cref="IInstanceBus"/> listeners (singletons that subscribe in their constructor) when the
/// app starts. Created by the first request that needed one instead, on an instance busy with a burst of labelers
/// the subscription to Redis blocked a thread-pool thread while the pool was starved, timed out after 5 s, and every
/// request of that burst failed with 500 (six on <c>assignments/next</c> in <c>scripts/bench-scale</c>).
/// </summary>
public sealed class InstanceBusListeners(IServiceProvider services, IEnumerable<InstanceBusListener> listeners) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var listener in listeners) services.GetRequiredService(listener.Type);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A singleton that listens on the bus, to create at start-up (see <see cref="InstanceBusListeners"/>).</summary>
public sealed record InstanceBusListener(Type Type);

public static class InstanceBusListenerExtensions
{
    /// <summary>Adds <typeparamref name="T"/> as a singleton that listens on the bus from the app's start.</summary>
    public static IServiceCollection AddInstanceBusListener<T>(this IServiceCollection services) where T : class
    {
        services.AddSingleton<T>();
        services.AddSingleton(new InstanceBusListener(typeof(T)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, InstanceBusListeners>());
        return services;
    }
}
