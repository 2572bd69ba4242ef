using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReelMetrics.Api.Alerts;
using ReelMetrics.Api.Status;
using ReelMetrics.Contracts.Api;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace ReelMetrics.Api.Live;

/// <summary>The pipeline's status and the open alerts at one moment, with their <c>status</c> and <c>alerts</c> events ready to write.</summary>
/// <param name="AlertsKey">The open alerts' ids: two snapshots with the same key list the same alerts.</param>
public sealed record PipelineSnapshot(PipelineStatus Status, IReadOnlyList<Alert> OpenAlerts, string AlertsKey, byte[] StatusEvent, byte[] AlertsEvent);

/// <summary>
/// The one reader of the pipeline's status and the open alerts in the process, for every <c>GET /live</c> stream
/// (as <see cref="LiveTotalsBroadcaster"/> is for the totals): while at least one stream is subscribed it reads both
/// every <see cref="StatusOptions.LiveReadInterval"/> and publishes each reading; each stream decides what to send
/// (<see cref="LiveTotalsStream"/>). The alerts are read from the table, not taken from this process's evaluator:
/// the other API may have raised them.
/// </summary>
public sealed class PipelineBroadcaster(
    IServiceScopeFactory scopes, IOptions<StatusOptions> options, IOptions<HttpJsonOptions> json, TimeProvider clock,
    ILogger<PipelineBroadcaster> logger) : BackgroundService
{
    private readonly SemaphoreSlim subscribed = new(0);
    private int subscribers;
    private PipelineSnapshot? latest;
    private TaskCompletionSource<PipelineSnapshot> published = New();
    private bool failing;

    /// <summary>Counts a stream in until the returned handle is disposed.</summary>
    public IDisposable Subscribe()
    {
        if (Interlocked.Increment(ref subscribers) == 1) subscribed.Release();
        return new Subscription(this);
    }

    /// <summary>The latest reading, null before the first.</summary>
    public PipelineSnapshot? Current => Volatile.Read(ref latest);

    /// <summary>The first reading other than <paramref name="seen"/>: at once if there is one already.</summary>
    public async Task<PipelineSnapshot> ChangedAsync(PipelineSnapshot? seen, CancellationToken cancellationToken)
    {
        var next = Volatile.Read(ref published).Task;
        if (Volatile.Read(ref latest) is { } current && !ReferenceEquals(current, seen)) return current;
        return await next.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                while (Volatile.Read(ref subscribers) == 0) await subscribed.WaitAsync(stoppingToken);
                while (Volatile.Read(ref subscribers) > 0)
                {
                    await ReadAndPublishAsync(stoppingToken);
                    await Task.Delay(options.Value.LiveReadInterval, clock, stoppingToken);
                }
                Volatile.Write(ref latest, null);   // stale by the time the next stream comes
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReadAndPublishAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var status = await scope.ServiceProvider.GetRequiredService<PipelineStatusQueries>().StatusAsync(stoppingToken);
            var alerts = (await scope.ServiceProvider.GetRequiredService<IAlertStore>().GetOpenAlertsAsync(stoppingToken))
                .OrderByDescending(a => a.RaisedAt).ThenByDescending(a => a.AlertId).Select(a => a.ToContract()).ToList();
            var snapshot = new PipelineSnapshot(status, alerts, string.Join(',', alerts.Select(a => a.AlertId)),
                Event("status", JsonSerializer.SerializeToUtf8Bytes(status, json.Value.SerializerOptions)),
                Event("alerts", JsonSerializer.SerializeToUtf8Bytes<IReadOnlyList<Alert>>(alerts, json.Value.SerializerOptions)));
            Volatile.Write(ref latest, snapshot);
            Interlocked.Exchange(ref published, New()).TrySetResult(snapshot);
            failing = false;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // The streams keep what they showed; the totals' own reader reports an outage to them.
            if (!failing) logger.LogWarning("Reading the pipeline status for the live streams failed ({Message})", ex.Message);
            failing = true;
        }
    }

    private static byte[] Event(string name, byte[] data) => [.. "event: "u8, .. System.Text.Encoding.ASCII.GetBytes(name), .. "\ndata: "u8, .. data, .. "\n\n"u8];

    private static TaskCompletionSource<PipelineSnapshot> New() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Dispose()
    {
        subscribed.Dispose();
        base.Dispose();
    }

    private sealed class Subscription(PipelineBroadcaster broadcaster) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) Interlocked.Decrement(ref broadcaster.subscribers);
        }
    }
}
