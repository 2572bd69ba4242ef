using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReelMetrics.Contracts.Api;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace ReelMetrics.Api.Live;

/// <summary>One state of today's totals, with its <c>totals</c> event ready to write.</summary>
/// <param name="Comparable">The totals without <c>as_of</c>: two snapshots with the same text say the same.</param>
public sealed record LiveSnapshot(LiveTotals Totals, string Comparable, byte[] Event);

/// <summary>
/// The one reader of today's totals in the process, for every <c>GET /live</c> stream: while at least one stream is
/// subscribed, it reads the totals once at start and once after each "sales updated" notification (at most one read
/// per <see cref="ApiOptions.LiveMinimumInterval"/>; without Redis notifications, once per
/// <see cref="ApiOptions.LivePollInterval"/>), and publishes each change to all streams. A thousand streams cost one
/// read per update, from Redis or, when Redis is down, from PostgreSQL. With no stream open it reads nothing.
/// </summary>
public sealed class LiveTotalsBroadcaster(
    IServiceScopeFactory scopes, SalesUpdates updates, IOptions<ApiOptions> options, IOptions<HttpJsonOptions> json,
    TimeProvider clock, IMeterFactory meters, ILogger<LiveTotalsBroadcaster> logger) : BackgroundService
{
    /// <summary>The meter of the live stream: <c>reelmetrics.live.totals_reads</c> and <c>reelmetrics.live.streams</c>.</summary>
    public const string MeterName = "ReelMetrics.Api.Live";

    private readonly SemaphoreSlim subscribed = new(0);
    // The factory hands out one meter per name (and disposes it): both instruments are on the same one.
    private readonly Counter<long> reads = meters.Create(MeterName)
        .CreateCounter<long>("reelmetrics.live.totals_reads", "{read}", "Reads of today's totals for the live streams.");
    private readonly UpDownCounter<long> streams = meters.Create(MeterName)
        .CreateUpDownCounter<long>("reelmetrics.live.streams", "{stream}", "Open live streams.");
    private int subscribers;
    private LiveSnapshot? latest;
    private TaskCompletionSource<LiveSnapshot> published = NewPublication();

    /// <summary>Counts a stream in until the returned handle is disposed; the broadcaster reads while any is counted.</summary>
    public IDisposable Subscribe()
    {
        streams.Add(1);
        if (Interlocked.Increment(ref subscribers) == 1) subscribed.Release();
        return new Subscription(this);
    }

    /// <summary>The current totals: the latest published, or else the result of the next read (which may fail: PostgreSQL down).</summary>
    public async Task<LiveSnapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var next = Volatile.Read(ref published).Task;
        return Volatile.Read(ref latest) ?? await next.WaitAsync(cancellationToken);
    }

    /// <summary>The first published totals other than <paramref name="seen"/>: at once if there are newer ones already.</summary>
    public async Task<LiveSnapshot> ChangedAsync(LiveSnapshot seen, CancellationToken cancellationToken)
    {
        while (true)
        {
            var next = Volatile.Read(ref published).Task;
            if (Volatile.Read(ref latest) is { } current && !ReferenceEquals(current, seen)) return current;
            try
            {
                return await next.WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A first read after a pause failed; the stream already shows totals and waits for the next ones.
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                while (Volatile.Read(ref subscribers) == 0) await subscribed.WaitAsync(stoppingToken);
                await BroadcastAsync(stoppingToken);
                // Nobody listens: what was read goes stale, so the next stream waits for a fresh read.
                Volatile.Write(ref latest, null);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Read(ref published).TrySetCanceled(stoppingToken);
        }
    }

    /// <summary>Reads and publishes while any stream is subscribed.</summary>
    private async Task BroadcastAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var lastReadAt = long.MinValue;
        while (Volatile.Read(ref subscribers) > 0)
        {
            // Throttle: notifications that arrive meanwhile are folded into the next read.
            var sinceLastRead = lastReadAt == long.MinValue ? TimeSpan.MaxValue : clock.GetElapsedTime(lastReadAt);
            if (sinceLastRead < settings.LiveMinimumInterval) await Task.Delay(settings.LiveMinimumInterval - sinceLastRead, clock, stoppingToken);

            var update = updates.Next;   // taken before the read, so that no update is missed
            lastReadAt = clock.GetTimestamp();
            var read = await ReadAndPublishAsync(stoppingToken);

            // Wait for news (or the next poll; after a failed read, the next try). Listening is checked again every heartbeat interval, so that a Redis
            // that stops delivering notifications turns into polling; nobody left listening ends the broadcast.
            while (Volatile.Read(ref subscribers) > 0)
            {
                var listening = await updates.ListenAsync(stoppingToken);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var news = listening && read ? update.WaitAsync(wait.Token) : Task.Delay(settings.LivePollInterval, clock, wait.Token);
                var recheck = Task.Delay(settings.LiveHeartbeat, clock, wait.Token);
                var first = await Task.WhenAny(news, recheck);
                await wait.CancelAsync();
                stoppingToken.ThrowIfCancellationRequested();
                if (first == news) break;
            }
        }
    }

    /// <summary>Reads the totals and publishes them if they changed; false when the read failed.</summary>
    private async Task<bool> ReadAndPublishAsync(CancellationToken stoppingToken)
    {
        try
        {
            reads.Add(1);
            await using var scope = scopes.CreateAsyncScope();
            var totals = await scope.ServiceProvider.GetRequiredService<SalesQueries>().LiveTotalsAsync(stoppingToken);
            var comparable = JsonSerializer.Serialize(totals with { AsOf = default }, json.Value.SerializerOptions);
            if (comparable != Volatile.Read(ref latest)?.Comparable) Publish(new LiveSnapshot(totals, comparable, Event(totals)));
            return true;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            if (DatabaseUnavailableHandler.IsOutage(ex))
            {
                logger.LogWarning("PostgreSQL is not answering ({Message}); the live streams wait for the next update", ex.Message);
            }
            else
            {
                logger.LogError(ex, "Reading today's totals for the live streams failed");
            }
            // Streams still waiting for their first totals fail with it (503 problem details for an outage); streams
            // already showing totals keep them until the next read.
            if (Volatile.Read(ref latest) is null) Interlocked.Exchange(ref published, NewPublication()).TrySetException(ex);
            return false;
        }
    }

    private void Publish(LiveSnapshot snapshot)
    {
        Volatile.Write(ref latest, snapshot);
        Interlocked.Exchange(ref published, NewPublication()).TrySetResult(snapshot);
    }

    private byte[] Event(LiveTotals totals)
    {
        var data = JsonSerializer.SerializeToUtf8Bytes(totals, json.Value.SerializerOptions);
        return [.. "event: totals\ndata: "u8, .. data, .. "\n\n"u8];
    }

    private static TaskCompletionSource<LiveSnapshot> NewPublication() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Dispose()
    {
        subscribed.Dispose();
        base.Dispose();
    }

    private sealed class Subscription(LiveTotalsBroadcaster broadcaster) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0) return;
            Interlocked.Decrement(ref broadcaster.subscribers);
            broadcaster.streams.Add(-1);
        }
    }
}
