using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReelMetrics.Contracts.Live;
using StackExchange.Redis;

namespace ReelMetrics.Api.Live;

/// <summary>
/// The consumer's "sales updated" notifications (<see cref="LiveKeys.SalesUpdatedChannel"/>), received over one
/// Redis subscription for the whole process and handed to every live stream as a signal.
/// </summary>
public sealed class SalesUpdates(IServiceProvider services, IOptions<ApiOptions> options, ILogger<SalesUpdates> logger) : IDisposable
{
    private readonly Lazy<IConnectionMultiplexer?> redis = new(services.GetService<IConnectionMultiplexer>);
    private readonly SemaphoreSlim gate = new(1, 1);
    private TaskCompletionSource next = NewSignal();
    private bool subscribed;
    private long retryAfter;
    private long generation;
    private int listening;

    /// <summary>Completes at the next notification. Take it before reading the totals, so that no update is missed.</summary>
    public Task Next => Volatile.Read(ref next).Task;

    /// <summary>
    /// How many notifications arrived: a read of the live totals taken at one generation is current until the next.
    /// It stays still while nothing delivers notifications (then only a read's own lifetime bounds its age).
    /// </summary>
    public long Generation => Interlocked.Read(ref generation);

    /// <summary>Subscribes in the background if not yet done (for readers that must not wait for it).</summary>
    public void Listen()
    {
        if (Volatile.Read(ref subscribed) || Interlocked.CompareExchange(ref listening, 1, 0) != 0) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await ListenAsync(CancellationToken.None);
            }
            finally
            {
                Volatile.Write(ref listening, 0);
            }
        });
    }

    /// <summary>
    /// Subscribes if not yet done; true while Redis can deliver notifications, false when the caller must poll
    /// (no Redis configured, Redis down, subscription failed).
    /// </summary>
    public async Task<bool> ListenAsync(CancellationToken cancellationToken)
    {
        if (!subscribed && Environment.TickCount64 >= Volatile.Read(ref retryAfter))
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                if (!subscribed && redis.Value is { } connection)
                {
                    // Once subscribed, StackExchange.Redis restores the subscription by itself after a reconnect.
                    await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(LiveKeys.SalesUpdatedChannel), (_, _) => Raise());
                    Volatile.Write(ref subscribed, true);
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Volatile.Write(ref retryAfter, Environment.TickCount64 + (long)options.Value.CacheRetryDelay.TotalMilliseconds);
                logger.LogWarning("Cannot subscribe to {Channel} ({Message}); live streams poll PostgreSQL", LiveKeys.SalesUpdatedChannel, ex.Message);
            }
            finally
            {
                gate.Release();
            }
        }
        return subscribed && redis.Value is { IsConnected: true };
    }

    private void Raise()
    {
        Interlocked.Increment(ref generation);
        Interlocked.Exchange(ref next, NewSignal()).TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose() => gate.Dispose();
}
