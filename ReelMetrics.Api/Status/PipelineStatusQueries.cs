using Microsoft.Extensions.Options;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.Status;

/// <summary>
/// Decides the pipeline's state from the consumers' heartbeats, the same way for both backends (the backends only
/// read the rows, <see cref="IPipelineStatusReadModel"/>). Rows of consumers that stopped or stopped beating count
/// only for the newest sale stored: they never make the pipeline live.
/// </summary>
public sealed class PipelineStatusQueries(IPipelineStatusReadModel database, IOptions<StatusOptions> options, TimeProvider clock)
{
    /// <summary>Sales stored within this window count as "sales flow" for the lagging-by-delay rule.</summary>
    private static readonly TimeSpan Flowing = TimeSpan.FromMinutes(1);

    /// <summary>The status now; its reason words times relative to now ("12 s ago"), as a screen refreshed every few seconds reads them.</summary>
    public Task<PipelineStatus> StatusAsync(CancellationToken cancellationToken) => StatusAsync(TimeWording.Relative, cancellationToken);

    /// <summary>The status now, its reason's times worded by <paramref name="wording"/> (an alert, read minutes later, wants clock times).</summary>
    public async Task<PipelineStatus> StatusAsync(TimeWording wording, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var heartbeats = await database.GetHeartbeatsAsync(cancellationToken);
        var deadLetters = await database.GetDeadLettersByReasonAsync(now.AddHours(-1), now, cancellationToken);

        var alive = heartbeats.Where(h => h.StoppedAt is null && now - Utc(h.HeartbeatAt) <= settings.HeartbeatTimeout).ToList();
        var newest = heartbeats.Where(h => h.NewestSoldAt is not null).MaxBy(h => h.NewestSoldAt);
        var lag = alive.Sum(h => h.ConsumerLag);
        var (state, reason) = Decide(settings, now, heartbeats, alive, newest, lag, wording);

        return new PipelineStatus(
            AsOf(now), state, reason,
            newest is { NewestSoldAt: { } soldAt } ? new NewestSale(Utc(soldAt), Utc(newest.NewestStoredAt ?? soldAt), Seconds(now - Utc(soldAt))) : null,
            lag, alive.Sum(h => (long)h.SalesLastMinute), alive.Count,
            heartbeats.Count > 0 ? Utc(heartbeats.Max(h => h.HeartbeatAt)) : null,
            deadLetters.OrderByDescending(d => d.Count).ThenBy(d => d.Reason, StringComparer.Ordinal).Select(d => new DeadLetterCount(d.Reason, d.Count)).ToList(),
            Thresholds(settings));
    }

    /// <summary>The thresholds as the contract reports them.</summary>
    public static StatusThresholds Thresholds(StatusOptions settings) => new(
        settings.HeartbeatTimeout.TotalSeconds, settings.StalledAfter.TotalSeconds, settings.LaggingAboveMessages, settings.LaggingDelay.TotalSeconds);

    private static (string State, string Reason) Decide(
        StatusOptions settings, DateTimeOffset now, IReadOnlyList<ConsumerHeartbeat> heartbeats, List<ConsumerHeartbeat> alive, ConsumerHeartbeat? newest, long lag,
        TimeWording wording)
    {
        // "stopped 12 s ago" / "stopped at 21:04:05 UTC"; "for 40 s" / "since 21:04:05 UTC".
        string At(DateTime then) => wording == TimeWording.Relative ? $"{Ago(now, then)} ago" : $"at {Clock(then)}";
        string Since(DateTime then) => wording == TimeWording.Relative ? $"for {Ago(now, then)}" : $"since {Clock(then)}";

        if (alive.Count == 0)
        {
            var last = heartbeats.Count > 0 ? heartbeats.MaxBy(h => h.HeartbeatAt) : null;
            return (PipelineStates.Stalled, last switch
            {
                null => "No consumer has ever reported: nothing is being ingested.",
                { StoppedAt: { } stopped } => $"The last consumer stopped {At(stopped)} and none is running: nothing is being ingested.",
                _ => $"No consumer has reported {Since(last.HeartbeatAt)} (more than {settings.HeartbeatTimeout.TotalSeconds:0} s): nothing is being ingested.",
            });
        }

        foreach (var consumer in alive.Where(h => h.ConsumerLag > 0))
        {
            // Progress is the last batch stored, or the start of the backlog if that came later (a quiet consumer that just got work is not stuck).
            var since = Max(consumer.LastBatchAt, consumer.BacklogSince) ?? consumer.HeartbeatAt;
            if (now - Utc(since) > settings.StalledAfter)
            {
                return (PipelineStates.Stalled,
                    $"A consumer has {consumer.ConsumerLag} messages waiting and has stored nothing {Since(since)} (more than {settings.StalledAfter.TotalSeconds:0} s).");
            }
        }

        if (lag > settings.LaggingAboveMessages)
        {
            return (PipelineStates.Lagging, $"{lag} messages are waiting to be consumed (more than {settings.LaggingAboveMessages}).");
        }

        if (newest is { NewestSoldAt: { } soldAt, NewestStoredAt: { } storedAt } && now - Utc(storedAt) <= Flowing
            && storedAt - soldAt > settings.LaggingDelay)
        {
            return (PipelineStates.Lagging,
                $"The newest sale was stored {Seconds(storedAt - soldAt):0.#} s after it was sold (more than {settings.LaggingDelay.TotalSeconds:0} s).");
        }

        return (PipelineStates.Live, lag == 0 && alive.Sum(h => h.SalesLastMinute) == 0
            ? "Consumers are running and have nothing waiting (no sales in the last minute)."
            : "Consumers are running and keeping up.");
    }

    private static DateTime? Max(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static double Seconds(TimeSpan span) => Math.Round(span.TotalSeconds, 1);

    private static string Ago(DateTimeOffset now, DateTime then)
    {
        var span = now - Utc(then);
        return span.TotalSeconds < 120 ? $"{Math.Max(0, span.TotalSeconds):0} s" : span.TotalMinutes < 120 ? $"{span.TotalMinutes:0} min" : $"{span.TotalHours:0.#} h";
    }

    private static string Clock(DateTime then) => Utc(then).ToString("HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset AsOf(DateTimeOffset now) =>
        new(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
}

/// <summary>How a status reason words the times it names.</summary>
public enum TimeWording
{
    /// <summary>Relative to now: "12 s ago", "for 40 s".</summary>
    Relative,

    /// <summary>Clock times in UTC: "at 21:04:05 UTC", "since 21:04:05 UTC".</summary>
    Clock,
}
