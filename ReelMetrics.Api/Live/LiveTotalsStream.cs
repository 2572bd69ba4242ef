using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ReelMetrics.Api.Status;

namespace ReelMetrics.Api.Live;

/// <summary>
/// Writes <c>GET /live</c>: Server-Sent Events, one <c>totals</c> event at once, then one whenever the totals have
/// changed after the consumer announced new sales (at most one per <see cref="ApiOptions.LiveMinimumInterval"/>),
/// and a <c>: heartbeat</c> comment every <see cref="ApiOptions.LiveHeartbeat"/>. The totals come from the
/// process's one <see cref="LiveTotalsBroadcaster"/>: a stream reads nothing itself. Ends when the client goes or
/// the server stops. Also carries the pipeline (<see cref="PipelineBroadcaster"/>): a <c>status</c> event when the
/// state changes and at least every <see cref="StatusOptions.LiveStatusInterval"/>, an <c>alerts</c> event (the
/// open alerts) at once and whenever they change.
/// </summary>
public sealed class LiveTotalsStream(
    LiveTotalsBroadcaster broadcaster, PipelineBroadcaster pipeline, IOptions<ApiOptions> options, IOptions<StatusOptions> statusOptions,
    IHostApplicationLifetime lifetime, TimeProvider clock)
{
    public const string ContentType = "text/event-stream";
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    public async Task WriteAsync(HttpContext context)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stopping.Token;
        using var subscription = broadcaster.Subscribe();
        using var pipelineSubscription = pipeline.Subscribe();
        var heartbeat = options.Value.LiveHeartbeat;
        try
        {
            // Before the first event an outage of PostgreSQL fails the request (503 problem details); once
            // streaming, the broadcaster skips a failed read and the stream stays open for the next.
            var sent = await broadcaster.CurrentAsync(cancellationToken);

            var response = context.Response;
            response.ContentType = ContentType;
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";   // no proxy buffering either
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await WriteAsync(response, sent.Event, cancellationToken);
            var pipelineSent = new PipelineSent(clock, statusOptions.Value.LiveStatusInterval);
            if (pipeline.Current is { } reading) await pipelineSent.WriteAsync(response, reading, cancellationToken);

            var nextHeartbeat = clock.GetTimestamp() + (long)(heartbeat.TotalSeconds * clock.TimestampFrequency);
            while (true)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var changed = broadcaster.ChangedAsync(sent, wait.Token);
                var pipelineChanged = pipeline.ChangedAsync(pipelineSent.Seen, wait.Token);
                var untilHeartbeat = clock.GetElapsedTime(clock.GetTimestamp(), nextHeartbeat);
                var beat = Task.Delay(untilHeartbeat > TimeSpan.Zero ? untilHeartbeat : TimeSpan.Zero, clock, wait.Token);
                var first = await Task.WhenAny(changed, pipelineChanged, beat);
                await wait.CancelAsync();
                cancellationToken.ThrowIfCancellationRequested();

                if (first == pipelineChanged)
                {
                    await pipelineSent.WriteAsync(response, await pipelineChanged, cancellationToken);
                }
                else if (first == changed)
                {
                    var snapshot = await changed;
                    if (snapshot.Comparable != sent.Comparable) await WriteAsync(response, snapshot.Event, cancellationToken);
                    sent = snapshot;
                }
                else
                {
                    await WriteAsync(response, Heartbeat, cancellationToken);
                    nextHeartbeat += (long)(heartbeat.TotalSeconds * clock.TimestampFrequency);
                }
            }
        }
        catch (Exception ex) when (ex is IOException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // The client left or the server is stopping: nothing more to send.
        }
    }

    /// <summary>What one stream has sent of the pipeline: the state and when, and which open alerts.</summary>
    private sealed class PipelineSent(TimeProvider clock, TimeSpan statusInterval)
    {
        private string? state;
        private long statusSentAt;
        private string? alertsKey;

        public PipelineSnapshot? Seen { get; private set; }

        public async Task WriteAsync(HttpResponse response, PipelineSnapshot snapshot, CancellationToken cancellationToken)
        {
            Seen = snapshot;
            if (snapshot.Status.State != state || clock.GetElapsedTime(statusSentAt) >= statusInterval)
            {
                await LiveTotalsStream.WriteAsync(response, snapshot.StatusEvent, cancellationToken);
                (state, statusSentAt) = (snapshot.Status.State, clock.GetTimestamp());
            }
            if (snapshot.AlertsKey != alertsKey)
            {
                await LiveTotalsStream.WriteAsync(response, snapshot.AlertsEvent, cancellationToken);
                alertsKey = snapshot.AlertsKey;
            }
        }
    }

    private static async Task WriteAsync(HttpResponse response, byte[] bytes, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(bytes, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
