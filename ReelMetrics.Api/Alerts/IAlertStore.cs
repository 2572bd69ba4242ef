using System.Text.Json;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.Alerts;

/// <summary>
/// What the alert rules read and the alerts table the evaluator writes, one implementation per backend (Dapper, EF
/// Core). The rules themselves (<see cref="AlertRules"/>) and the bookkeeping (<see cref="AlertEvaluator"/>) are
/// shared, so both backends raise the same alerts from the same data.
/// </summary>
public interface IAlertStore
{
    /// <summary>
    /// Runs <paramref name="round"/> while holding the cluster-wide advisory lock of alert evaluation; false (and
    /// nothing run) when another process holds it: two APIs never evaluate the same round twice.
    /// </summary>
    Task<bool> RunExclusiveAsync(Func<CancellationToken, Task> round, CancellationToken cancellationToken);

    /// <summary>Showtimes of a business date with at least <paramref name="share"/> of their seats sold.</summary>
    Task<IReadOnlyList<FillingShowtime>> GetFillingShowtimesAsync(DateOnly date, double share, CancellationToken cancellationToken);

    /// <summary>
    /// Every theater with its time zone, its sales over the <paramref name="baseline"/> dates, and when it last sold a
    /// ticket for a business date from the baseline's first on (theater_daily_sales.last_sold_at: tickets sold now are
    /// for today or later, and a last sale before today's opening counts as none).
    /// </summary>
    Task<IReadOnlyList<TheaterActivity>> GetTheaterActivityAsync(DateRange baseline, CancellationToken cancellationToken);

    /// <summary>Dead letters received with <paramref name="from"/> ≤ received_at &lt; <paramref name="to"/>.</summary>
    Task<long> CountDeadLettersAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>Open alerts (resolved_at null) of every rule.</summary>
    Task<IReadOnlyList<AlertRow>> GetOpenAlertsAsync(CancellationToken cancellationToken);

    /// <summary>Alerts raised at or after <paramref name="from"/> (open ones only if <paramref name="openOnly"/>), newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<AlertRow>> GetAlertsAsync(bool openOnly, DateTimeOffset? from, int limit, CancellationToken cancellationToken);

    /// <summary>Stores a new open alert, unless one is open already for its rule and subject (then nothing happens).</summary>
    Task RaiseAsync(AlertCondition alert, DateTimeOffset raisedAt, CancellationToken cancellationToken);

    /// <summary>Marks the open alerts resolved at <paramref name="resolvedAt"/>.</summary>
    Task ResolveAsync(IReadOnlyCollection<long> alertIds, DateTimeOffset resolvedAt, CancellationToken cancellationToken);
}

/// <summary>A showtime and how full it is (starts_at is local time at the theater).</summary>
public sealed record FillingShowtime(
    long ShowtimeId, int TheaterId, string TheaterName, string MovieTitle, DateTime StartsAt, int Capacity, int TicketsSold);

/// <summary>A theater, its IANA zone, its newest sale (UTC, null if none) and its sales count over a baseline period.</summary>
public sealed record TheaterActivity(int TheaterId, string Name, string TimeZone, DateTime? LastSoldAt, long BaselineSales);

/// <summary>A row of the alerts table; <see cref="Details"/> is the JSON text of an object; times are UTC.</summary>
public sealed record AlertRow(
    long AlertId, string Rule, string Subject, string Severity, string Message, string Details, DateTime RaisedAt, DateTime? ResolvedAt)
{
    /// <summary>The alert as the contract serves it.</summary>
    public Alert ToContract()
    {
        using var details = JsonDocument.Parse(Details);
        return new Alert(AlertId, Rule, Subject, Severity, Message, details.RootElement.Clone(), Utc(RaisedAt),
            ResolvedAt is { } resolved ? Utc(resolved) : null);
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

/// <summary>A condition a rule found true now: what would be raised (<see cref="Details"/> is the JSON text of an object).</summary>
public sealed record AlertCondition(string Rule, string Subject, string Severity, string Message, string Details);
