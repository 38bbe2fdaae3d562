using System.Text.Json;
using StackExchange.Redis;

namespace LabelAndAlign.Web.ScaleOut;

/// <summary>
/// The bus over Redis pub/sub: each topic is a channel (<c>&lt;prefix&gt;:bus:&lt;topic&gt;</c>)
/// carrying the message as JSON, and every instance, the sender included, hears it from Redis.
/// </summary>
public sealed class RedisInstanceBus(SharedRedis shared, ILogger<RedisInstanceBus> logger) : IInstanceBus
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IConnectionMultiplexer redis = shared.Connection;

    private RedisChannel Channel(string topic) => RedisChannel.Literal(shared.Key($"bus:{topic}"));

    public void Publish<T>(string topic, T message) =>
        redis.GetSubscriber().Publish(Channel(topic), JsonSerializer.Serialize(message, Json), CommandFlags.FireAndForget);

    public IDisposable Subscribe<T>(string topic, Action<T> handler)
    {
        var channel = Channel(topic);
        Action<RedisChannel, RedisValue> receive = (_, value) =>
        {
            T? message;
            try
            {
                message = JsonSerializer.Deserialize<T>((string)value!, Json);
            }
            catch (JsonException e)
            {
                logger.LogWarning(e, "A message on {Topic} could not be read", topic);
                return;
            }
            if (message is not null) handler(message);
        };
        var subscriber = redis.GetSubscriber();
        subscriber.Subscribe(channel, receive);
        return new Subscription(() => subscriber.Unsubscribe(channel, receive));
    }
}
