using System.Globalization;
using static ReelMetrics.Contracts.Live.LiveKeys;

namespace ReelMetrics.Contracts.Rollups;

/// <summary>
/// Every aggregate the consumer maintains, each declared once. To add one: declare it here (and in <see cref="All"/>),
/// create its table in a migration, then read it in the APIs (a route, its contract type, a read-model method).
/// Print the SQL generated from these with <c>RollupSql</c> (ReelMetrics.Consumer) or see its snapshot test.
/// </summary>
public static class Rollups
{
    private static readonly Measure[] Every = [Measure.Tickets, Measure.Revenue, Measure.Sales];
    private static readonly Measure[] RevenueAndTickets = [Measure.Revenue, Measure.Tickets];
    private static readonly Measure[] RevenueTicketsAndSales = [Measure.Revenue, Measure.Tickets, Measure.Sales];

    /// <summary>
    /// The minute of a sale in UTC, as SQL over a sale: the key of the per-minute rollups. In UTC whatever the session's
    /// time zone (a zone of the past with an offset in seconds would move the start of its minutes).
    /// </summary>
    public const string SoldMinute = "date_trunc('minute', sold_at, 'UTC')";

    /// <summary>
    /// Each theater's sales per business date: the theater leaderboard; and the time of its last sale for the date, which
    /// the quiet-theater alert reads (an index on the sales by theater and time of sale cost every sale more).
    /// </summary>
    public static readonly Rollup TheaterDay = new("theater_day", "theater_daily_sales",
        [RollupKey.Date("sale_date"), RollupKey.Id("theater_id")], Every,
        new(RevenueTicketsAndSales, (r, m) => Theaters(r.Date, m), r => Id(r.Id1)),
        Attributes: [new("last_sold_at", "sold_at", Latest: true)]);

    /// <summary>Each movie's chain-wide sales per business date: the movie leaderboard, a movie's sales.</summary>
    public static readonly Rollup MovieDay = new("movie_day", "movie_daily_sales",
        [RollupKey.Date("sale_date"), RollupKey.Id("movie_id")], Every,
        new(RevenueAndTickets, (r, m) => Movies(r.Date, m), r => Id(r.Id1)));

    /// <summary>Each movie's sales at each theater per business date: a theater's movies.</summary>
    public static readonly Rollup TheaterMovieDay = new("theater_movie_day", "theater_movie_daily_sales",
        [RollupKey.Date("sale_date"), RollupKey.Id("theater_id"), RollupKey.Id("movie_id")], Every,
        new(RevenueAndTickets, (r, m) => TheaterMovies(r.Date, (int)r.Id1, m), r => Id(r.Id2)));

    /// <summary>Chain sales per channel and business date: the summary and the live totals.</summary>
    public static readonly Rollup ChannelDay = new("channel_day", "channel_daily_sales",
        [RollupKey.Date("sale_date"), RollupKey.Text("channel")], Every,
        new(RevenueTicketsAndSales, (r, m) => Channels(r.Date, m), r => r.Text!));

    /// <summary>Chain sales per minute of sold_at (UTC): the rate of sales.</summary>
    public static readonly Rollup ChainMinute = new("chain_minute", "chain_minute_sales",
        [RollupKey.Minute("minute", SoldMinute)], Every,
        new(RevenueTicketsAndSales, (r, m) => Minutes(DateOnly.FromDateTime(r.MinuteStart), m), r => Id(r.MinuteStart.Hour * 60 + r.MinuteStart.Minute)));

    /// <summary>
    /// Tickets sold per showtime (sales with a showtime only): occupancy, sell-out watch. Each row carries its showtime's
    /// capacity (a foreign key to the showtime's, so it is the real one), which a check constraint compares the tickets with.
    /// </summary>
    public static readonly Rollup Showtime = new("showtime", "showtime_sales",
        [RollupKey.Id("showtime_id")], [Measure.Tickets, Measure.Revenue],
        new([Measure.Tickets], (r, _) => Showtimes(r.Date), r => Id(r.Id1),
            Date: "st.business_date", DateJoin: "join showtimes st using (showtime_id)"),
        Join: "join showtimes using (showtime_id)", Where: "showtime_id is not null", Attributes: [new("capacity", "capacity")]);

    /// <summary>Chain sales of each business date per minute of sold_at: the pace of the day.</summary>
    public static readonly Rollup DateMinute = new("date_minute", "chain_date_minute_sales",
        [RollupKey.Date("sale_date"), RollupKey.Minute("minute", SoldMinute)], Every,
        new(RevenueAndTickets, (r, m) => DateMinutes(r.Date, m), r => Id(r.Minute!.Value)));

    /// <summary>
    /// Each theater's sales per business date and hour of the theater's local day (0–23, of sold_at in the theater's
    /// time zone): when a theater sells. A sale at an infinite time (not a real one) counts in hour 0.
    /// </summary>
    public static readonly Rollup TheaterHour = new("theater_hour", "theater_hourly_sales",
        [RollupKey.Date("sale_date"), RollupKey.Id("theater_id"), RollupKey.Id("hour", "coalesce(extract(hour from sold_at at time zone time_zone), 0)::int")], Every,
        new(RevenueTicketsAndSales, (r, m) => TheaterHours(r.Date, (int)r.Id1, m), r => Id(r.Id2)),
        Join: "join theaters using (theater_id)");

    /// <summary>Every rollup, in the order the consumer writes them (and locks their rows).</summary>
    public static IReadOnlyList<Rollup> All { get; } = [TheaterDay, MovieDay, TheaterMovieDay, ChannelDay, ChainMinute, Showtime, DateMinute, TheaterHour];

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
