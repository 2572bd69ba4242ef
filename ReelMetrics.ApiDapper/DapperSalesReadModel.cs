using System.Data;
using Dapper;
using Npgsql;
using ReelMetrics.Api;
using ReelMetrics.Contracts.Api;
using ReelMetrics.Contracts.Catalog;

namespace ReelMetrics.ApiDapper;

/// <summary>
/// The read model in hand-written SQL, mapped by Dapper. Every value is a parameter; columns keep their snake_case
/// names (<see cref="DapperMapping"/>), and aliases and casts make each row match its record's constructor (names and
/// types, in order), which is how Dapper maps records.
/// </summary>
public sealed class DapperSalesReadModel(NpgsqlDataSource dataSource) : ISalesReadModel
{
    static DapperSalesReadModel() => DapperMapping.Configure();

    public Task<IReadOnlyList<Contracts.Catalog.Theater>> GetTheatersAsync(CancellationToken cancellationToken) =>
        QueryAsync<Contracts.Catalog.Theater>("""
            select theater_id, name, city, time_zone, business_day_cutoff
            from theaters
            """, null, cancellationToken);

    public Task<IReadOnlyList<Screen>> GetScreensAsync(CancellationToken cancellationToken) =>
        QueryAsync<Screen>("""
            select screen_id, theater_id, name, capacity, format
            from screens
            """, null, cancellationToken);

    public Task<IReadOnlyList<Contracts.Catalog.Movie>> GetMoviesAsync(CancellationToken cancellationToken) =>
        QueryAsync<Contracts.Catalog.Movie>("""
            select movie_id, title, genre, rating, runtime_minutes, release_date, popularity
            from movies
            """, null, cancellationToken);

    public Task<IReadOnlyList<TheaterMovieFigures>> GetTheaterMovieSalesAsync(int theaterId, DateRange dates, CancellationToken cancellationToken) =>
        QueryAsync<TheaterMovieFigures>("""
            select sale_date, movie_id, tickets_sold, revenue
            from theater_movie_daily_sales
            where theater_id = @theaterId and sale_date between @from and @to
            """, new { theaterId, from = dates.From, to = dates.To }, cancellationToken);

    public Task<IReadOnlyList<ShowtimeFigures>> GetShowtimesAsync(int theaterId, DateOnly date, CancellationToken cancellationToken) =>
        QueryAsync<ShowtimeFigures>("""
            select st.showtime_id, st.movie_id, sc.name as screen, sc.format,
                   st.starts_at, st.capacity, coalesce(ss.tickets_sold, 0) as tickets_sold
            from showtimes st
            join screens sc on sc.screen_id = st.screen_id
            left join showtime_sales ss on ss.showtime_id = st.showtime_id
            where st.theater_id = @theaterId and st.business_date = @date
            """, new { theaterId, date }, cancellationToken);

    public Task<IReadOnlyList<TheaterHourSales>> GetTheaterHourSalesAsync(int theaterId, DateOnly date, CancellationToken cancellationToken) =>
        QueryAsync<TheaterHourSales>("""
            select hour, tickets_sold, revenue, sales_count
            from theater_hourly_sales
            where theater_id = @theaterId and sale_date = @date
            """, new { theaterId, date }, cancellationToken);

    public Task<IReadOnlyList<DailyFigures>> GetMovieSalesAsync(int movieId, DateRange dates, CancellationToken cancellationToken) =>
        QueryAsync<DailyFigures>("""
            select sale_date, tickets_sold, revenue
            from movie_daily_sales
            where movie_id = @movieId and sale_date between @from and @to
            """, new { movieId, from = dates.From, to = dates.To }, cancellationToken);

    public Task<IReadOnlyList<RankedFigures>> GetTheaterLeaderboardAsync(DateOnly date, int limit, CancellationToken cancellationToken) =>
        QueryAsync<RankedFigures>("""
            select theater_id as id, tickets_sold, revenue
            from theater_daily_sales
            where sale_date = @date
            order by revenue desc, theater_id
            limit @limit
            """, new { date, limit }, cancellationToken);

    public Task<IReadOnlyList<RankedFigures>> GetMovieLeaderboardAsync(DateOnly date, int limit, CancellationToken cancellationToken) =>
        QueryAsync<RankedFigures>("""
            select movie_id as id, tickets_sold, revenue
            from movie_daily_sales
            where sale_date = @date
            order by revenue desc, movie_id
            limit @limit
            """, new { date, limit }, cancellationToken);

    public Task<IReadOnlyList<ChannelFigures>> GetChannelSalesAsync(DateRange dates, CancellationToken cancellationToken) =>
        QueryAsync<ChannelFigures>("""
            select channel, sum(tickets_sold)::bigint as tickets_sold, sum(revenue) as revenue,
                   sum(sales_count)::bigint as sales_count
            from channel_daily_sales
            where sale_date between @from and @to
            group by channel
            """, new { from = dates.From, to = dates.To }, cancellationToken);

    public async Task<ChainSettings> GetChainAsync(CancellationToken cancellationToken) =>
        (await QueryAsync<ChainSettings>("""
            select home_time_zone, business_day_cutoff from chain
            """, null, cancellationToken)).Single();

    public Task<IReadOnlyList<MinuteFigures>> GetDateMinuteSalesAsync(DateOnly date, CancellationToken cancellationToken) =>
        QueryAsync<MinuteFigures>("""
            select minute, tickets_sold, revenue, sales_count
            from chain_date_minute_sales
            where sale_date = @date
            """, new { date }, cancellationToken);

    public Task<IReadOnlyList<MinuteFigures>> GetMinuteSalesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        QueryAsync<MinuteFigures>("""
            select minute, tickets_sold, revenue, sales_count
            from chain_minute_sales
            where minute >= @from and minute < @to
            """, new { from = from.ToUniversalTime(), to = to.ToUniversalTime() }, cancellationToken);

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}

/// <summary>How Dapper maps rows here, set once for the process.</summary>
internal static class DapperMapping
{
    static DapperMapping()
    {
        // Columns are snake_case, members PascalCase: sale_date fills SaleDate, as EF Core's naming convention maps them.
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        // Dapper leaves DateOnly and TimeOnly to type handlers; Npgsql reads and writes them natively as date and time.
        SqlMapper.AddTypeHandler(new DateOnlyHandler());
        SqlMapper.AddTypeHandler(new TimeOnlyHandler());
    }

    /// <summary>Runs the static constructor (once).</summary>
    public static void Configure() { }
}

/// <summary>Passes <see cref="DateOnly"/> through to Npgsql, which maps it to <c>date</c>.</summary>
internal sealed class DateOnlyHandler : SqlMapper.TypeHandler<DateOnly>
{
    public override void SetValue(IDbDataParameter parameter, DateOnly value)
    {
        parameter.DbType = DbType.Date;
        parameter.Value = value;
    }

    public override DateOnly Parse(object value) => value is DateTime dateTime ? DateOnly.FromDateTime(dateTime) : (DateOnly)value;
}

/// <summary>Passes <see cref="TimeOnly"/> through to Npgsql, which maps it to <c>time</c>.</summary>
internal sealed class TimeOnlyHandler : SqlMapper.TypeHandler<TimeOnly>
{
    public override void SetValue(IDbDataParameter parameter, TimeOnly value)
    {
        parameter.DbType = DbType.Time;
        parameter.Value = value;
    }

    public override TimeOnly Parse(object value) => value switch
    {
        TimeSpan time => TimeOnly.FromTimeSpan(time),
        DateTime dateTime => TimeOnly.FromDateTime(dateTime),
        _ => (TimeOnly)value,
    };
}
