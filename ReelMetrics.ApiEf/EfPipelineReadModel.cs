using ReelMetrics.Api;
using ReelMetrics.Api.Alerts;
using ReelMetrics.Api.Status;
using ReelMetrics.ApiEf.Data;

namespace ReelMetrics.ApiEf;

/// <summary>
/// The pipeline's status and the alerts in LINQ: heartbeats and dead letters for <c>GET /status</c>, what the alert
/// rules read, and the alerts table (the one table the API writes).
/// </summary>
public sealed class EfPipelineReadModel(ReelMetricsDbContext db) : IPipelineStatusReadModel, IAlertStore
{
    /// <summary>The advisory lock of an alert evaluation round ("ReelAlrt"), the same in both backends.</summary>
    public const long EvaluationLock = 0x5265656C416C7274;

    public async Task<IReadOnlyList<ConsumerHeartbeat>> GetHeartbeatsAsync(CancellationToken cancellationToken) =>
        await db.Set<PipelineHeartbeatEntity>()
            .Select(h => new ConsumerHeartbeat(h.ConsumerId, h.HeartbeatAt, h.StoppedAt, h.NewestSoldAt, h.NewestStoredAt, h.LastBatchAt,
                h.ConsumerLag, h.BacklogSince, h.SalesLastMinute, h.Partitions))
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<ReasonCount>> GetDeadLettersByReasonAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var (start, end) = (from.UtcDateTime, to.UtcDateTime);
        return await db.Set<DeadLetterEntity>()
            .Where(l => l.ReceivedAt >= start && l.ReceivedAt < end)
            .GroupBy(l => l.Reason)
            .Select(g => new ReasonCount(g.Key, g.LongCount()))
            .ToListAsync(cancellationToken);
    }

    public async Task<bool> RunExclusiveAsync(Func<CancellationToken, Task> round, CancellationToken cancellationToken)
    {
        // A transaction-scoped lock: released by the end of the transaction even if the connection breaks. The round's
        // reads and writes through this context run inside the transaction, as one unit the retrying strategy may repeat.
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(token);
            var locked = await db.Database.SqlQuery<bool>($"select pg_try_advisory_xact_lock({EvaluationLock}) as \"Value\"").SingleAsync(token);
            if (locked) await round(token);
            await transaction.CommitAsync(token);
            return locked;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<FillingShowtime>> GetFillingShowtimesAsync(DateOnly date, double share, CancellationToken cancellationToken) =>
        await (from showtime in db.Showtimes
               join theater in db.Theaters on showtime.TheaterId equals theater.TheaterId
               join movie in db.Movies on showtime.MovieId equals movie.MovieId
               where showtime.BusinessDate == date && showtime.Sales != null && (double)showtime.Sales.TicketsSold / showtime.Capacity >= share
               select new FillingShowtime(showtime.ShowtimeId, showtime.TheaterId, theater.Name, movie.Title, showtime.StartsAt, showtime.Capacity,
                   showtime.Sales!.TicketsSold))
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<TheaterActivity>> GetTheaterActivityAsync(DateRange baseline, CancellationToken cancellationToken) =>
        await db.Theaters
            .Select(t => new TheaterActivity(t.TheaterId, t.Name, t.TimeZone,
                db.TheaterDailySales.Where(d => d.TheaterId == t.TheaterId && d.SaleDate >= baseline.From).Max(d => d.LastSoldAt),
                db.TheaterDailySales.Where(d => d.TheaterId == t.TheaterId && d.SaleDate >= baseline.From && d.SaleDate <= baseline.To)
                    .Sum(d => (long?)d.SalesCount) ?? 0))
            .ToListAsync(cancellationToken);

    public async Task<long> CountDeadLettersAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var (start, end) = (from.UtcDateTime, to.UtcDateTime);
        return await db.Set<DeadLetterEntity>().LongCountAsync(l => l.ReceivedAt >= start && l.ReceivedAt < end, cancellationToken);
    }

    public async Task<IReadOnlyList<AlertRow>> GetOpenAlertsAsync(CancellationToken cancellationToken) =>
        await Rows(db.Set<AlertEntity>().Where(a => a.ResolvedAt == null)).ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<AlertRow>> GetAlertsAsync(bool openOnly, DateTimeOffset? from, int limit, CancellationToken cancellationToken)
    {
        var alerts = db.Set<AlertEntity>().AsQueryable();
        if (openOnly) alerts = alerts.Where(a => a.ResolvedAt == null);
        if (from is { } since)
        {
            var start = since.UtcDateTime;
            alerts = alerts.Where(a => a.RaisedAt >= start);
        }
        return await Rows(alerts.OrderByDescending(a => a.RaisedAt).ThenByDescending(a => a.AlertId).Take(limit)).ToListAsync(cancellationToken);
    }

    public async Task RaiseAsync(AlertCondition alert, DateTimeOffset raisedAt, CancellationToken cancellationToken)
    {
        // Under the round's lock nobody else raises; the table's unique index of open alerts is the last word.
        if (await db.Set<AlertEntity>().AnyAsync(a => a.Rule == alert.Rule && a.Subject == alert.Subject && a.ResolvedAt == null, cancellationToken)) return;
        db.Add(new AlertEntity
        {
            Rule = alert.Rule, Subject = alert.Subject, Severity = alert.Severity, Message = alert.Message, Details = alert.Details,
            RaisedAt = raisedAt.UtcDateTime,
        });
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    public async Task ResolveAsync(IReadOnlyCollection<long> alertIds, DateTimeOffset resolvedAt, CancellationToken cancellationToken)
    {
        var at = resolvedAt.UtcDateTime;
        await db.Set<AlertEntity>()
            .Where(a => alertIds.Contains(a.AlertId) && a.ResolvedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(a => a.ResolvedAt, at), cancellationToken);
    }

    private static IQueryable<AlertRow> Rows(IQueryable<AlertEntity> alerts) =>
        alerts.Select(a => new AlertRow(a.AlertId, a.Rule, a.Subject, a.Severity, a.Message, a.Details, a.RaisedAt, a.ResolvedAt));
}
