using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReelMetrics.Contracts.Api;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace ReelMetrics.Api.Live;

/// <summary>
/// Writes <c>GET /live</c>: Server-Sent Events, one <c>totals</c> event at once, then one whenever the totals have
/// changed after the consumer announced new sales (at most one per <see cref="ApiOptions.LiveMinimumInterval"/>),
/// and a <c>: heartbeat</c> comment every <see cref="ApiOptions.LiveHeartbeat"/>. Without Redis notifications it
/// polls every <see cref="ApiOptions.LivePollInterval"/>. Ends when the client goes or the server stops.
/// </summary>
public sealed class LiveTotalsStream(
    SalesQueries queries, SalesUpdates updates, IOptions<ApiOptions> options, IOptions<HttpJsonOptions> json,
    IHostApplicationLifetime lifetime, TimeProvider clock, ILogger<LiveTotalsStream> logger)
{
    public const string ContentType = "text/event-stream";
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    public async Task WriteAsync(HttpContext context)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stopping.Token;
        var response = context.Response;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";   // no proxy buffering either
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var settings = options.Value;
        string? lastSent = null;
        var lastEventAt = long.MinValue;
        var nextHeartbeat = clock.GetTimestamp() + Ticks(settings.LiveHeartbeat);
        try
        {
            var update = updates.Next;
            while (true)
            {
                if (await ReadTotalsAsync(streaming: lastSent is not null, cancellationToken) is { } totals)
                {
                    var comparable = JsonSerializer.Serialize(totals with { AsOf = default }, json.Value.SerializerOptions);
                    if (comparable != lastSent)
                    {
                        await WriteEventAsync(response, totals, cancellationToken);
                        lastSent = comparable;
                        lastEventAt = clock.GetTimestamp();
                    }
                }

                // Wait for news (or the next poll), writing heartbeats meanwhile.
                while (true)
                {
                    var listening = await updates.ListenAsync(cancellationToken);
                    var untilHeartbeat = clock.GetElapsedTime(clock.GetTimestamp(), nextHeartbeat);
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    var news = listening ? update.WaitAsync(wait.Token) : Task.Delay(settings.LivePollInterval, clock, wait.Token);
                    var heartbeat = Task.Delay(untilHeartbeat > TimeSpan.Zero ? untilHeartbeat : TimeSpan.Zero, clock, wait.Token);
                    var first = await Task.WhenAny(news, heartbeat);
                    await wait.CancelAsync();
                    cancellationToken.ThrowIfCancellationRequested();
                    if (first == news) break;

                    await response.Body.WriteAsync(Heartbeat, cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                    nextHeartbeat += Ticks(settings.LiveHeartbeat);
                }

                // Throttle: updates that arrive meanwhile are folded into the next read.
                var sinceLastEvent = lastEventAt == long.MinValue ? TimeSpan.MaxValue : clock.GetElapsedTime(lastEventAt);
                if (sinceLastEvent < settings.LiveMinimumInterval)
                {
                    await Task.Delay(settings.LiveMinimumInterval - sinceLastEvent, clock, cancellationToken);
                }
                update = updates.Next;
            }
        }
        catch (Exception ex) when (ex is IOException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // The client left or the server is stopping: nothing more to send.
        }
    }

    /// <summary>
    /// The current totals. Before the first event an outage of PostgreSQL fails the request (503 problem details);
    /// once streaming, it skips this update and the stream stays open for the next.
    /// </summary>
    private async Task<LiveTotals?> ReadTotalsAsync(bool streaming, CancellationToken cancellationToken)
    {
        try
        {
            return await queries.LiveTotalsAsync(cancellationToken);
        }
        catch (Exception ex) when (streaming && DatabaseUnavailableHandler.IsOutage(ex))
        {
            logger.LogWarning("PostgreSQL is not answering ({Message}); the live stream waits for the next update", ex.Message);
            return null;
        }
    }

    private async Task WriteEventAsync(HttpResponse response, LiveTotals totals, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.SerializeToUtf8Bytes(totals, json.Value.SerializerOptions);
        await response.Body.WriteAsync("event: totals\ndata: "u8.ToArray(), cancellationToken);
        await response.Body.WriteAsync(data, cancellationToken);
        await response.Body.WriteAsync("\n\n"u8.ToArray(), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private long Ticks(TimeSpan interval) => (long)(interval.TotalSeconds * clock.TimestampFrequency);
}
