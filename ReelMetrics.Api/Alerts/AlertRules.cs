using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using ReelMetrics.Api.Status;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.Alerts;

/// <summary>
/// The conditions that matter to a cinema, each a function of the data now: what it finds true is raised (once per
/// subject) and what it no longer finds is resolved, by <see cref="AlertEvaluator"/>. Thresholds: <see cref="AlertOptions"/>.
/// </summary>
public sealed class AlertRules(IAlertStore store, SalesQueries sales, PipelineStatusQueries status, IOptions<AlertOptions> options)
{
    public const string SellOutWatch = "sell_out_watch";
    public const string QuietTheater = "quiet_theater";
    public const string PipelineStalled = "pipeline_stalled";
    public const string DeadLettersRising = "dead_letters_rising";

    /// <summary>Every rule, by name.</summary>
    public static IReadOnlyList<string> All { get; } = [SellOutWatch, QuietTheater, PipelineStalled, DeadLettersRising];

    private AlertOptions Settings => options.Value;

    /// <summary>The conditions <paramref name="rule"/> finds true at <paramref name="now"/>.</summary>
    public Task<IReadOnlyList<AlertCondition>> EvaluateAsync(string rule, DateTimeOffset now, CancellationToken cancellationToken) => rule switch
    {
        SellOutWatch => SellOutWatchAsync(cancellationToken),
        QuietTheater => QuietTheatersAsync(now, cancellationToken),
        PipelineStalled => PipelineStalledAsync(cancellationToken),
        DeadLettersRising => DeadLettersRisingAsync(now, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "unknown rule"),
    };

    /// <summary>Sell-out watch: a showtime of today (business date) with at least <see cref="AlertOptions.SellOutShare"/> of its seats sold.</summary>
    private async Task<IReadOnlyList<AlertCondition>> SellOutWatchAsync(CancellationToken cancellationToken)
    {
        var today = await sales.TodayAsync(cancellationToken);
        var showtimes = await store.GetFillingShowtimesAsync(today, Settings.SellOutShare, cancellationToken);
        return showtimes
            .Select(s =>
            {
                var share = (double)s.TicketsSold / s.Capacity;
                var what = s.TicketsSold >= s.Capacity ? "is sold out" : $"is {Percent(share)} sold";
                return new AlertCondition(SellOutWatch, $"showtime:{s.ShowtimeId}", AlertSeverities.Info,
                    Invariant($"{s.MovieTitle} at {s.TheaterName}, {s.StartsAt:HH:mm}, {what} ({s.TicketsSold} of {s.Capacity} seats)."),
                    Details(new JsonObject
                    {
                        ["showtime_id"] = s.ShowtimeId, ["theater_id"] = s.TheaterId, ["theater"] = s.TheaterName, ["movie"] = s.MovieTitle,
                        ["starts_at"] = s.StartsAt.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture), ["business_date"] = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                        ["capacity"] = s.Capacity, ["tickets_sold"] = s.TicketsSold, ["occupancy"] = Math.Round(share, 4),
                        ["threshold"] = Settings.SellOutShare,
                    }));
            })
            .ToList();
    }

    /// <summary>
    /// Quiet theater: during its opening hours (<see cref="AlertOptions.OpensAt"/>–<see cref="AlertOptions.ClosesAt"/>,
    /// theater-local time), a theater has sold nothing for longer than <see cref="AlertOptions.QuietMultiple"/> times its
    /// usual gap between sales (its sales over the <see cref="AlertOptions.QuietBaselineDays"/> days before today spread
    /// over their opening hours), and at least <see cref="AlertOptions.QuietMinimum"/>. Silence before opening does not
    /// count; a theater with fewer than <see cref="AlertOptions.QuietMinimumBaselineSales"/> baseline sales is not watched.
    /// </summary>
    private async Task<IReadOnlyList<AlertCondition>> QuietTheatersAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = Settings;
        var today = await sales.TodayAsync(cancellationToken);
        var baseline = new DateRange(today.AddDays(-settings.QuietBaselineDays), today.AddDays(-1));
        var openPerDay = OpenSpan(settings);
        var conditions = new List<AlertCondition>();
        foreach (var theater in await store.GetTheaterActivityAsync(baseline, cancellationToken))
        {
            if (theater.BaselineSales < settings.QuietMinimumBaselineSales) continue;
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(theater.TimeZone, out var zone)) continue;
            if (OpenedAt(now, zone, settings) is not { } openedAt) continue;

            var lastSale = theater.LastSoldAt is { } last ? new DateTimeOffset(DateTime.SpecifyKind(last, DateTimeKind.Utc)) : (DateTimeOffset?)null;
            var silentSince = lastSale is { } sold && sold > openedAt ? sold : openedAt;
            var silence = now - silentSince;
            var usualGap = openPerDay * settings.QuietBaselineDays / theater.BaselineSales;
            var threshold = TimeSpan.FromTicks(Math.Max(settings.QuietMinimum.Ticks, (long)(usualGap.Ticks * settings.QuietMultiple)));
            if (silence <= threshold) continue;

            var local = TimeZoneInfo.ConvertTime(silentSince, zone);
            conditions.Add(new AlertCondition(QuietTheater, $"theater:{theater.TheaterId}", AlertSeverities.Warning,
                Invariant($"{theater.Name} has sold nothing for {Minutes(silence)} during opening hours (since {local:HH:mm} local time; usually a sale every {Minutes(usualGap)})."),
                Details(new JsonObject
                {
                    ["theater_id"] = theater.TheaterId, ["theater"] = theater.Name, ["time_zone"] = theater.TimeZone,
                    ["last_sale_at"] = lastSale?.ToString("O", CultureInfo.InvariantCulture), ["silent_since"] = silentSince.ToString("O", CultureInfo.InvariantCulture),
                    ["silent_minutes"] = Math.Round(silence.TotalMinutes, 1), ["usual_gap_minutes"] = Math.Round(usualGap.TotalMinutes, 2),
                    ["threshold_minutes"] = Math.Round(threshold.TotalMinutes, 1), ["baseline_sales"] = theater.BaselineSales,
                    ["opening_hours"] = Invariant($"{settings.OpensAt:HH:mm}-{settings.ClosesAt:HH:mm}"),
                })));
        }
        return conditions;
    }

    /// <summary>
    /// How long a rule must find a condition, round after round, before it is raised (a "for" duration): the pipeline
    /// must stay stalled for <see cref="AlertOptions.PipelineStalledFor"/> (a starting system, or a consumer being
    /// restarted, is stalled for a moment without anything being wrong); every other rule raises at once.
    /// </summary>
    public TimeSpan PendingFor(string rule) => rule == PipelineStalled ? Settings.PipelineStalledFor : TimeSpan.Zero;

    /// <summary>
    /// Pipeline stalled: <c>GET /status</c> says <c>stalled</c>. The message names clock times, not "12 s ago": it is
    /// read long after it was written.
    /// </summary>
    private async Task<IReadOnlyList<AlertCondition>> PipelineStalledAsync(CancellationToken cancellationToken)
    {
        var current = await status.StatusAsync(TimeWording.Clock, cancellationToken);
        if (current.State != PipelineStates.Stalled) return [];
        return
        [
            new AlertCondition(PipelineStalled, "pipeline", AlertSeverities.Critical, "The pipeline is stalled: " + current.Reason,
                Details(new JsonObject
                {
                    ["consumers"] = current.Consumers, ["consumer_lag"] = current.ConsumerLag,
                    ["last_heartbeat_at"] = current.LastHeartbeatAt?.ToString("O", CultureInfo.InvariantCulture),
                    ["newest_sale_sold_at"] = current.NewestSale?.SoldAt.ToString("O", CultureInfo.InvariantCulture),
                })),
        ];
    }

    /// <summary>
    /// Dead letters rising: at least <see cref="AlertOptions.DeadLetterBurst"/> in the last
    /// <see cref="AlertOptions.DeadLetterWindow"/>, or at least <see cref="AlertOptions.DeadLetterRiseMinimum"/> and more
    /// than <see cref="AlertOptions.DeadLetterRiseFactor"/> times the previous hour's rate per window.
    /// </summary>
    private async Task<IReadOnlyList<AlertCondition>> DeadLettersRisingAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = Settings;
        var windowStart = now - settings.DeadLetterWindow;
        var recent = await store.CountDeadLettersAsync(windowStart, now, cancellationToken);
        if (recent < Math.Min(settings.DeadLetterBurst, settings.DeadLetterRiseMinimum)) return [];
        var previousHour = await store.CountDeadLettersAsync(windowStart.AddHours(-1), windowStart, cancellationToken);
        var usual = previousHour * (settings.DeadLetterWindow / TimeSpan.FromHours(1));
        var rising = recent >= settings.DeadLetterBurst || (recent >= settings.DeadLetterRiseMinimum && recent > settings.DeadLetterRiseFactor * usual);
        if (!rising) return [];
        return
        [
            new AlertCondition(DeadLettersRising, "dead-letters", AlertSeverities.Warning,
                Invariant($"{recent} sales were refused (dead-lettered) in the last {Minutes(settings.DeadLetterWindow)}; the hour before: {previousHour}."),
                Details(new JsonObject
                {
                    ["recent"] = recent, ["window_minutes"] = settings.DeadLetterWindow.TotalMinutes, ["previous_hour"] = previousHour,
                    ["burst"] = settings.DeadLetterBurst, ["rise_factor"] = settings.DeadLetterRiseFactor, ["rise_minimum"] = settings.DeadLetterRiseMinimum,
                })),
        ];
    }

    /// <summary>Length of one day's opening hours.</summary>
    private static TimeSpan OpenSpan(AlertOptions settings)
    {
        var span = settings.ClosesAt - settings.OpensAt;   // TimeOnly subtraction wraps past midnight
        return span == TimeSpan.Zero ? TimeSpan.FromDays(1) : span;
    }

    /// <summary>When the theater's current opening period began (an instant), or null when it is closed now.</summary>
    private static DateTimeOffset? OpenedAt(DateTimeOffset now, TimeZoneInfo zone, AlertOptions settings)
    {
        var localNow = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        var span = OpenSpan(settings);
        // The period that opened today, or the one that opened yesterday and runs past midnight.
        foreach (var date in new[] { DateOnly.FromDateTime(localNow), DateOnly.FromDateTime(localNow).AddDays(-1) })
        {
            var opens = date.ToDateTime(settings.OpensAt);
            if (localNow >= opens && localNow < opens + span) return new DateTimeOffset(opens, zone.GetUtcOffset(opens));
        }
        return null;
    }

    private static string Details(JsonObject details) => details.ToJsonString();

    private static string Percent(double share) => Invariant($"{Math.Floor(share * 100):0} %");

    private static string Minutes(TimeSpan span) =>
        span.TotalMinutes < 1 ? Invariant($"{span.TotalSeconds:0} s") : span.TotalMinutes < 120 ? Invariant($"{span.TotalMinutes:0.#} min") : Invariant($"{span.TotalHours:0.#} h");

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
