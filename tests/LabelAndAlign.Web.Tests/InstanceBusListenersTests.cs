using LabelAndAlign.Web.ScaleOut;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LabelAndAlign.Web.Tests;

/// <summary>The bus listeners exist (and so have subscribed) once the app has started, before any request asks for one.</summary>
public sealed class InstanceBusListenersTests
{
    private sealed class Listener
    {
        public static int Created;
        public Listener() => Interlocked.Increment(ref Created);
    }

    [Fact]
    public async Task Start_CreatesEachListenerOnce_BeforeAnyoneAsksForIt()
    {
        var services = new ServiceCollection();
        services.AddInstanceBusListener<Listener>();
        services.AddInstanceBusListener<Listener>(); // registered twice, one hosted service still
        await using var provider = services.BuildServiceProvider();
        int before = Listener.Created;

        var hosted = provider.GetServices<IHostedService>().ToList();
        Assert.Single(hosted);
        foreach (var h in hosted) await h.StartAsync(CancellationToken.None);

        Assert.Equal(before + 1, Listener.Created);
        Assert.Same(provider.GetRequiredService<Listener>(), provider.GetRequiredService<Listener>());
        Assert.Equal(before + 1, Listener.Created);
    }
}
