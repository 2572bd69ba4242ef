using Dapper;
using Npgsql;
using ReelMetrics.Api;
using ReelMetrics.Api.Alerts;
using ReelMetrics.Api.Status;

namespace ReelMetrics.ApiDapper;

/// <summary>
/// The pipeline's status and the alerts in hand-written SQL: heartbeats and dead letters for <c>GET /status</c>, what
/// the alert rules read, and the alerts table (the one table the API writes).
/// </summary>
public sealed class DapperPipelineReadModel(NpgsqlDataSource dataSource) : IPipelineStatusReadModel, IAlertStore
{
    /// <summary>The advisory lock of an alert evaluation round ("ReelAlrt"), the same in both backends.</summary>
    public const long EvaluationLock = 0x5265656C416C7274;

    static DapperPipelineReadModel() => DapperMapping.Configure();

    public Task<IReadOnlyList<ConsumerHeartbeat>> GetHeartbeatsAsync(CancellationToken cancellationToken) =>
        QueryAsync<ConsumerHeartbeat>("""
            select consumer_id, heartbeat_at, stopped_at, newest_sold_at,
                   newest_stored_at, last_batch_at, consumer_lag,
                   backlog_since, sales_last_minute, partitions
            from pipeline_heartbeats
            """, null, cancellationToken);

    public Task<IReadOnlyList<ReasonCount>> GetDeadLettersByReasonAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        QueryAsync<ReasonCount>("""
            select reason, count(*) as count
            from dead_letters
            where received_at >= @from and received_at < @to
            group by reason
            """, new { from = from.ToUniversalTime(), to = to.ToUniversalTime() }, cancellationToken);

    public async Task<bool> RunExclusiveAsync(Func<CancellationToken, Task> round, CancellationToken cancellationToken)
    {
        // A transaction-scoped lock: released by the end of the transaction even if this connection breaks.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var locked = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select pg_try_advisory_xact_lock(@key)", new { key = EvaluationLock }, transaction, cancellationToken: cancellationToken));
        if (locked) await round(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return locked;
    }

    public Task<IReadOnlyList<FillingShowtime>> GetFillingShowtimesAsync(DateOnly date, double share, CancellationToken cancellationToken) =>
        QueryAsync<FillingShowtime>("""
            select st.showtime_id, st.theater_id, t.name as theater_name, m.title as movie_title,
                   st.starts_at, st.capacity, ss.tickets_sold
            from showtimes st
            join showtime_sales ss on ss.showtime_id = st.showtime_id
            join theaters t on t.theater_id = st.theater_id
            join movies m on m.movie_id = st.movie_id
            where st.business_date = @date and ss.tickets_sold::float8 / st.capacity >= @share
            """, new { date, share }, cancellationToken);

    public Task<IReadOnlyList<TheaterActivity>> GetTheaterActivityAsync(DateRange baseline, CancellationToken cancellationToken) =>
        QueryAsync<TheaterActivity>("""
            select t.theater_id, t.name, t.time_zone,
                   (select max(d.last_sold_at) from theater_daily_sales d
                    where d.theater_id = t.theater_id and d.sale_date >= @from) as last_sold_at,
                   coalesce((select sum(d.sales_count) from theater_daily_sales d
                             where d.theater_id = t.theater_id and d.sale_date between @from and @to), 0)::bigint as baseline_sales
            from theaters t
            """, new { from = baseline.From, to = baseline.To }, cancellationToken);

    public async Task<long> CountDeadLettersAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "select count(*) from dead_letters where received_at >= @from and received_at < @to",
            new { from = from.ToUniversalTime(), to = to.ToUniversalTime() }, cancellationToken: cancellationToken));
    }

    public Task<IReadOnlyList<AlertRow>> GetOpenAlertsAsync(CancellationToken cancellationToken) =>
        QueryAsync<AlertRow>(SelectAlerts + " where resolved_at is null", null, cancellationToken);

    public Task<IReadOnlyList<AlertRow>> GetAlertsAsync(bool openOnly, DateTimeOffset? from, int limit, CancellationToken cancellationToken) =>
        QueryAsync<AlertRow>(SelectAlerts + """

             where (not @openOnly or resolved_at is null) and (@from::timestamptz is null or raised_at >= @from)
             order by raised_at desc, alert_id desc
             limit @limit
            """, new { openOnly, from = from?.ToUniversalTime(), limit }, cancellationToken);

    public async Task RaiseAsync(AlertCondition alert, DateTimeOffset raisedAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            insert into alerts (rule, subject, severity, message, details, raised_at)
            values (@Rule, @Subject, @Severity, @Message, @Details::jsonb, @raisedAt)
            on conflict (rule, subject) where resolved_at is null do nothing
            """, new { alert.Rule, alert.Subject, alert.Severity, alert.Message, alert.Details, raisedAt = raisedAt.ToUniversalTime() },
            cancellationToken: cancellationToken));
    }

    public async Task ResolveAsync(IReadOnlyCollection<long> alertIds, DateTimeOffset resolvedAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "update alerts set resolved_at = @resolvedAt where alert_id = any(@ids) and resolved_at is null",
            new { ids = alertIds.ToArray(), resolvedAt = resolvedAt.ToUniversalTime() }, cancellationToken: cancellationToken));
    }

    private const string SelectAlerts = """
        select alert_id, rule, subject, severity, message,
               details::text as details, raised_at, resolved_at
        from alerts
        """;

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
