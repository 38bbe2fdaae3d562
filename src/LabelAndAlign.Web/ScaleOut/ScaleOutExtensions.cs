using LabelAndAlign.Web.Data;
using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;

namespace LabelAndAlign.Web.ScaleOut;

public static class ScaleOutExtensions
{
    public const string RedisKey = "Redis:Connection", PrefixKey = "Redis:KeyPrefix";

    /// <summary>
    /// What several app instances behind one load balancer must share, kept in Redis when
    /// <c>Redis:Connection</c> is set: SignalR's backplane (a hub message reaches clients of every
    /// instance), the data-protection keys that sign cookies and antiforgery tokens (a sign-in on
    /// one instance holds on the others), the sign-in rate limit per address (see
    /// <see cref="Security.SignInRateLimit"/>) and the <see cref="IInstanceBus"/>. Without it, one
    /// instance keeps all of that itself (the keys in the data folder's <c>keys/</c>). The database
    /// already holds what else they share: lockouts, sessions, the labeling queue and the run queue.
    /// Every Redis key and channel starts with <c>Redis:KeyPrefix</c> (default <c>lna</c>), so
    /// several installations can share one Redis.
    /// </summary>
    public static WebApplicationBuilder AddScaleOut(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var dataProtection = services.AddDataProtection().SetApplicationName("LabelAndAlign");
        string? configuration = builder.Configuration[RedisKey];
        if (string.IsNullOrWhiteSpace(configuration))
        {
            var settings = services.FirstOrDefault(d => d.ServiceType == typeof(DatabaseSettings))?.ImplementationInstance as DatabaseSettings
                ?? throw new InvalidOperationException("AddScaleOut needs the data folder: call AddPersistence first.");
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(settings.DataDirectory, "keys")));
            services.AddSingleton<IInstanceBus, LocalInstanceBus>();
            return builder;
        }

        var redis = Connect(configuration);
        string prefix = builder.Configuration[PrefixKey] is { Length: > 0 } p ? p : "lna";
        var shared = new SharedRedis(redis, prefix);
        services.AddSingleton(shared);
        services.AddSingleton<IConnectionMultiplexer>(redis);
        services.AddSingleton<IInstanceBus, RedisInstanceBus>();
        dataProtection.PersistKeysToStackExchangeRedis(redis, shared.Key("data-protection-keys"));
        services.AddSignalR().AddStackExchangeRedis(o =>
        {
            o.Configuration.ChannelPrefix = RedisChannel.Literal(shared.Key("signalr"));
            o.ConnectionFactory = _ => Task.FromResult<IConnectionMultiplexer>(redis);
        });
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        return builder;
    }

    /// <summary>Connects at start-up, so an instance that cannot reach Redis says so instead of serving half a cluster.</summary>
    private static ConnectionMultiplexer Connect(string configuration)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{RedisKey} is not a Redis configuration ('host:port,password=…'): {e.Message}", e);
        }
        options.ClientName ??= "labelandalign";
        try
        {
            return ConnectionMultiplexer.Connect(options);
        }
        catch (RedisConnectionException e)
        {
            // The configuration may hold a password: name only the endpoints.
            throw new InvalidOperationException(
                $"{RedisKey} names Redis at {string.Join(", ", options.EndPoints)}, which does not answer ({e.Message}). " +
                "Start Redis there, or remove Redis:Connection to run a single instance without it.", e);
        }
    }
}

/// <summary>The Redis every instance of this installation shares, and the prefix of its keys and channels there.</summary>
public sealed record SharedRedis(IConnectionMultiplexer Connection, string Prefix)
{
    public string Key(string name) => $"{Prefix}:{name}";
}
