using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using ReelMetrics.Api.Caching;
using ReelMetrics.Contracts.Api;
using ReelMetrics.Contracts.BusinessDay;

namespace ReelMetrics.Api;

/// <summary>
/// Answers every question of the contract, the same way for both backends: figures from the live aggregates in
/// Redis when they are complete (<see cref="LiveSalesCache"/>), otherwise from the backend's
/// <see cref="ISalesReadModel"/>; names from the in-memory catalog; then one ordering, one rounding and one
/// mapping to the response records. Whichever source answered, the JSON is the same.
/// </summary>
public sealed class SalesQueries(
    ISalesReadModel database, LiveSalesCache cache, IMemoryCache memory, IOptions<ApiOptions> options, TimeProvider clock)
{
    /// <summary>Theaters and movies on the live stream's leaderboards.</summary>
    public const int LiveLeaderboardSize = 5;

    /// <summary>Minutes (the current one included) over which <see cref="LiveTotals.SalesPerMinute"/> is averaged.</summary>
    public const int SalesRateMinutes = 5;

    private const int PaceBucketMinutes = 15;
    private static readonly object CatalogKey = new();
    private static readonly object CalendarKey = new();

    private ApiOptions Options => options.Value;

    /// <summary>The chain's business date now (<see cref="BusinessCalendar.Today"/>): the default date of the contract.</summary>
    public async Task<DateOnly> TodayAsync(CancellationToken cancellationToken) =>
        (await CalendarAsync(cancellationToken)).Today(clock.GetUtcNow());

    /// <summary>What "today", "this week" and "same time last week" mean for the chain now.</summary>
    public async Task<BusinessDayNow> BusinessDayAsync(CancellationToken cancellationToken)
    {
        var calendar = await CalendarAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var day = calendar.TodayWindow(now);
        var week = calendar.ThisWeek(now);
        return new BusinessDayNow(AsOf(now), calendar.Chain.ZoneId,
            calendar.Chain.Cutoff.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            day.Date, day.Start, day.End, new BusinessWeekDates(week.First, week.Last, [.. week.Dates]),
            AsOf(calendar.SameTimeLastWeek(now)));
    }

    public async Task<IReadOnlyList<Theater>> TheatersAsync(CancellationToken cancellationToken) =>
        (await CatalogAsync(cancellationToken)).Theaters;

    public async Task<Theater?> TheaterAsync(int theaterId, CancellationToken cancellationToken) =>
        (await CatalogAsync(cancellationToken)).Theater(theaterId);

    public async Task<IReadOnlyList<Movie>> MoviesAsync(CancellationToken cancellationToken) =>
        (await CatalogAsync(cancellationToken)).Movies;

    /// <summary>Each movie's sales at a theater by date, newest date first, then by revenue; null for an unknown theater.</summary>
    public async Task<IReadOnlyList<TheaterMovieSales>?> TheaterMoviesAsync(int theaterId, DateRange dates, CancellationToken cancellationToken)
    {
        var catalog = await CatalogAsync(cancellationToken);
        if (catalog.Theater(theaterId) is null) return null;

        var rows = await cache.TheaterMoviesAsync(theaterId, dates)
            ?? await database.GetTheaterMovieSalesAsync(theaterId, dates, cancellationToken);
        catalog = await CatalogWithAsync(catalog, movieIds: rows.Select(r => r.MovieId), cancellationToken: cancellationToken);
        return rows
            .Select(r => new TheaterMovieSales(r.MovieId, catalog.MovieTitle(r.MovieId), r.SaleDate, r.TicketsSold, Money.Round(r.Revenue)))
            .OrderByDescending(r => r.SaleDate).ThenByDescending(r => r.Revenue).ThenBy(r => r.MovieId)
            .ToList();
    }

    /// <summary>A theater's showtimes on a date by start time, then screen; null for an unknown theater.</summary>
    public async Task<IReadOnlyList<Showtime>?> ShowtimesAsync(int theaterId, DateOnly date, CancellationToken cancellationToken)
    {
        var catalog = await CatalogAsync(cancellationToken);
        if (catalog.Theater(theaterId) is not { } theater) return null;

        var showtimes = await ShowtimeFiguresAsync(theaterId, date, cancellationToken);
        catalog = await CatalogWithAsync(catalog, movieIds: showtimes.Select(s => s.MovieId), cancellationToken: cancellationToken);
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(theater.TimeZone, out var found) ? found : TimeZoneInfo.Utc;
        return showtimes
            .OrderBy(s => s.StartsAt).ThenBy(s => s.Screen, StringComparer.Ordinal).ThenBy(s => s.ShowtimeId)
            .Select(s => new Showtime(
                s.ShowtimeId, s.MovieId, catalog.MovieTitle(s.MovieId), s.Screen, s.Format,
                new DateTimeOffset(s.StartsAt, zone.GetUtcOffset(s.StartsAt)),
                s.Capacity, s.TicketsSold, Math.Round((double)s.TicketsSold / s.Capacity, 4)))
            .ToList();
    }

    /// <summary>A theater's sales on a date per hour of its local day, by hour (hours without sales left out); null for an unknown theater.</summary>
    public async Task<IReadOnlyList<TheaterHourSales>?> TheaterHoursAsync(int theaterId, DateOnly date, CancellationToken cancellationToken)
    {
        if ((await CatalogAsync(cancellationToken)).Theater(theaterId) is null) return null;

        var rows = await cache.TheaterHoursAsync(theaterId, date)
            ?? await database.GetTheaterHourSalesAsync(theaterId, date, cancellationToken);
        return rows.Select(r => r with { Revenue = Money.Round(r.Revenue) }).OrderBy(r => r.Hour).ToList();
    }

    /// <summary>A movie's chain-wide sales by date, newest first; null for an unknown movie.</summary>
    public async Task<IReadOnlyList<DailySales>?> MovieSalesAsync(int movieId, DateRange dates, CancellationToken cancellationToken)
    {
        if ((await CatalogAsync(cancellationToken)).Movie(movieId) is null) return null;

        var rows = await database.GetMovieSalesAsync(movieId, dates, cancellationToken);
        return rows
            .Select(r => new DailySales(r.SaleDate, r.TicketsSold, Money.Round(r.Revenue)))
            .OrderByDescending(r => r.SaleDate)
            .ToList();
    }

    /// <summary>The theater with the most revenue on a date (ties: lowest id); null when nothing was sold.</summary>
    public async Task<TopTheater?> TopTheaterAsync(DateOnly date, CancellationToken cancellationToken) =>
        await TheaterLeaderboardAsync(date, 1, cancellationToken) is [var top]
            ? new TopTheater(date, top.TheaterId, top.Name, top.Revenue, top.TicketsSold)
            : null;

    /// <summary>Theaters by revenue on a date (ties: lowest id), ranked from 1.</summary>
    public async Task<IReadOnlyList<TheaterRank>> TheaterLeaderboardAsync(DateOnly date, int limit, CancellationToken cancellationToken)
    {
        var rows = Top(await cache.TheatersAsync(date) ?? await database.GetTheaterLeaderboardAsync(date, limit, cancellationToken), limit);
        var catalog = await CatalogWithAsync(await CatalogAsync(cancellationToken), theaterIds: rows.Select(r => r.Id), cancellationToken: cancellationToken);
        return rows.Select((r, i) => new TheaterRank(i + 1, r.Id, catalog.TheaterName(r.Id), r.Revenue, r.TicketsSold)).ToList();
    }

    /// <summary>Movies by revenue on a date (ties: lowest id), ranked from 1.</summary>
    public async Task<IReadOnlyList<MovieRank>> MovieLeaderboardAsync(DateOnly date, int limit, CancellationToken cancellationToken)
    {
        var rows = Top(await cache.MoviesAsync(date) ?? await database.GetMovieLeaderboardAsync(date, limit, cancellationToken), limit);
        var catalog = await CatalogWithAsync(await CatalogAsync(cancellationToken), movieIds: rows.Select(r => r.Id), cancellationToken: cancellationToken);
        return rows.Select((r, i) => new MovieRank(i + 1, r.Id, catalog.MovieTitle(r.Id), r.Revenue, r.TicketsSold)).ToList();
    }

    /// <summary>Chain totals over the dates, and per channel (by revenue, then name).</summary>
    public async Task<SalesSummary> SummaryAsync(DateRange dates, CancellationToken cancellationToken)
    {
        var channels = await ChannelSalesAsync(dates, cancellationToken);
        var revenue = Money.Round(channels.Sum(c => c.Revenue));
        var tickets = channels.Sum(c => c.TicketsSold);
        return new SalesSummary(dates.From, dates.To, revenue, tickets, channels.Sum(c => c.SalesCount), AverageTicketPrice(revenue, tickets),
            channels
                .Select(c => new ChannelSales(c.Channel, Money.Round(c.Revenue), c.TicketsSold))
                .OrderByDescending(c => c.Revenue).ThenBy(c => c.Channel, StringComparer.Ordinal)
                .ToList());
    }

    /// <summary>
    /// The revenue pace of the chain's business day (<see cref="SalesPace"/>): the sales of today's business date,
    /// cumulative by the minute they were sold up to the current one, against the business date a week earlier up to
    /// the same elapsed time into its day, and both per 15-minute bucket of today's business day.
    /// </summary>
    public async Task<SalesPace> PaceAsync(CancellationToken cancellationToken)
    {
        var calendar = await CalendarAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var day = calendar.TodayWindow(now);
        var lastWeekDay = calendar.Chain.WindowOf(day.Date.AddDays(-7));
        var sameTimeLastWeek = calendar.SameTimeLastWeek(now);
        var currentMinuteEnd = StartOfMinute(now).AddMinutes(1);
        var lastWeekEnd = sameTimeLastWeek < lastWeekDay.End ? StartOfMinute(sameTimeLastWeek).AddMinutes(1) : DateTimeOffset.MaxValue;

        var today = (await DateMinuteSalesAsync(day.Date, cancellationToken)).Where(m => m.Minute < currentMinuteEnd.UtcDateTime).ToList();
        var lastWeek = await DateMinuteSalesAsync(lastWeekDay.Date, cancellationToken);
        var lastWeekSoFar = lastWeek.Where(m => m.Minute < lastWeekEnd.UtcDateTime).ToList();

        var todayTotals = new RevenueAndTickets(Money.Round(today.Sum(m => m.Revenue)), today.Sum(m => m.TicketsSold));
        var lastWeekTotals = new RevenueAndTickets(Money.Round(lastWeekSoFar.Sum(m => m.Revenue)), lastWeekSoFar.Sum(m => m.TicketsSold));
        double? ratio = lastWeekTotals.Revenue > 0 ? Math.Round((double)(todayTotals.Revenue / lastWeekTotals.Revenue), 4) : null;

        var buckets = (int)Math.Ceiling(day.Length.TotalMinutes / PaceBucketMinutes);
        var todayBuckets = RevenueByBucket(today, day.Start, buckets);
        var lastWeekBuckets = RevenueByBucket(lastWeek, lastWeekDay.Start, buckets);
        var series = new List<PacePoint>(buckets);
        decimal todaySum = 0, lastWeekSum = 0;
        for (var bucket = 0; bucket < buckets; bucket++)
        {
            todaySum += todayBuckets[bucket];
            lastWeekSum += lastWeekBuckets[bucket];
            var start = day.Start.AddMinutes(bucket * PaceBucketMinutes);
            series.Add(new PacePoint(
                calendar.Chain.LocalTime(start).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
                start <= now ? Money.Round(todaySum) : null,
                Money.Round(lastWeekSum)));
        }
        return new SalesPace(AsOf(now), day.Date, lastWeekDay.Date, calendar.Chain.ZoneId, todayTotals, lastWeekTotals, ratio, series);
    }

    /// <summary>Today's chain totals, the rate of sales over the last minutes and the top theaters and movies.</summary>
    public async Task<LiveTotals> LiveTotalsAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var today = (await CalendarAsync(cancellationToken)).Today(now);
        var currentMinute = StartOfMinute(now);
        var channels = await ChannelSalesAsync(DateRange.Single(today), cancellationToken);
        var recent = await MinuteSalesAsync(currentMinute.AddMinutes(1 - SalesRateMinutes), currentMinute.AddMinutes(1), cancellationToken);
        var theaters = await TheaterLeaderboardAsync(today, LiveLeaderboardSize, cancellationToken);
        var movies = await MovieLeaderboardAsync(today, LiveLeaderboardSize, cancellationToken);

        var revenue = Money.Round(channels.Sum(c => c.Revenue));
        var tickets = channels.Sum(c => c.TicketsSold);
        return new LiveTotals(AsOf(now), today, revenue, tickets, channels.Sum(c => c.SalesCount), AverageTicketPrice(revenue, tickets),
            Math.Round(recent.Sum(m => m.SalesCount) / (double)SalesRateMinutes, 2), theaters, movies);
    }

    private async Task<IReadOnlyList<ChannelFigures>> ChannelSalesAsync(DateRange dates, CancellationToken cancellationToken) =>
        await cache.ChannelsAsync(dates) ?? await database.GetChannelSalesAsync(dates, cancellationToken);

    private async Task<IReadOnlyList<MinuteFigures>> DateMinuteSalesAsync(DateOnly date, CancellationToken cancellationToken) =>
        await cache.DateMinutesAsync(date) ?? await database.GetDateMinuteSalesAsync(date, cancellationToken);

    /// <summary>The chain's business-day rule from the catalog, kept in memory with the catalog.</summary>
    private async Task<BusinessCalendar> CalendarAsync(CancellationToken cancellationToken)
    {
        if (!Options.UseCache) return await LoadCalendarAsync(cancellationToken);
        return await memory.GetOrCreateAsync(CalendarKey, entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = Options.CatalogLifetime;
            return LoadCalendarAsync(cancellationToken);
        }) ?? await LoadCalendarAsync(cancellationToken);
    }

    private async Task<BusinessCalendar> LoadCalendarAsync(CancellationToken cancellationToken) =>
        new((await database.GetChainAsync(cancellationToken)).Rule());

    private async Task<IReadOnlyList<MinuteFigures>> MinuteSalesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        await cache.MinutesAsync(from, to) ?? await database.GetMinuteSalesAsync(from, to, cancellationToken);

    /// <summary>
    /// With the cache on, the schedule (which rarely changes) is kept in memory with the catalog and the tickets sold
    /// come from Redis; without it, or when Redis cannot answer, everything comes from PostgreSQL.
    /// </summary>
    private async Task<IReadOnlyList<ShowtimeFigures>> ShowtimeFiguresAsync(int theaterId, DateOnly date, CancellationToken cancellationToken)
    {
        if (!Options.UseCache) return await database.GetShowtimesAsync(theaterId, date, cancellationToken);

        var key = (nameof(ShowtimeFiguresAsync), theaterId, date);
        if (!memory.TryGetValue(key, out IReadOnlyList<ShowtimeFigures>? schedule) || schedule is null)
        {
            var fresh = await database.GetShowtimesAsync(theaterId, date, cancellationToken);
            if (fresh.Count > 0) memory.Set(key, fresh, Options.CatalogLifetime);   // dates without showtimes are not worth keeping
            return fresh;
        }

        var tickets = await cache.ShowtimeTicketsAsync(date, schedule.Select(s => s.ShowtimeId).ToList());
        return tickets is null
            ? await database.GetShowtimesAsync(theaterId, date, cancellationToken)
            : schedule.Select((s, i) => s with { TicketsSold = tickets[i] }).ToList();
    }

    private async Task<Catalog> CatalogAsync(CancellationToken cancellationToken)
    {
        if (!Options.UseCache) return await LoadCatalogAsync(cancellationToken);
        return await memory.GetOrCreateAsync(CatalogKey, entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = Options.CatalogLifetime;
            return LoadCatalogAsync(cancellationToken);
        }) ?? await LoadCatalogAsync(cancellationToken);
    }

    /// <summary>The catalog, reloaded if rows refer to theaters or movies added since it was loaded.</summary>
    private async Task<Catalog> CatalogWithAsync(Catalog catalog, IEnumerable<int>? theaterIds = null, IEnumerable<int>? movieIds = null,
        CancellationToken cancellationToken = default)
    {
        if (catalog.HasTheaters(theaterIds ?? []) && catalog.HasMovies(movieIds ?? [])) return catalog;
        memory.Remove(CatalogKey);
        return await CatalogAsync(cancellationToken);
    }

    private async Task<Catalog> LoadCatalogAsync(CancellationToken cancellationToken) =>
        new(await database.GetTheatersAsync(cancellationToken), await database.GetScreensAsync(cancellationToken),
            await database.GetMoviesAsync(cancellationToken));

    private static List<RankedFigures> Top(IEnumerable<RankedFigures> rows, int limit) =>
        rows.Select(r => r with { Revenue = Money.Round(r.Revenue) })
            .OrderByDescending(r => r.Revenue).ThenBy(r => r.Id)
            .Take(limit)
            .ToList();

    private static decimal AverageTicketPrice(decimal revenue, long tickets) => Money.Round(tickets > 0 ? revenue / tickets : 0);

    /// <summary>
    /// Revenue per bucket of a business day that began at <paramref name="start"/>: sold before it began, in the
    /// first bucket; at or after its last bucket (a longer day last week, a clock ahead), in the last.
    /// </summary>
    private static decimal[] RevenueByBucket(IEnumerable<MinuteFigures> minutes, DateTimeOffset start, int count)
    {
        var buckets = new decimal[count];
        foreach (var minute in minutes)
        {
            var bucket = (int)Math.Floor((minute.Minute - start.UtcDateTime).TotalMinutes / PaceBucketMinutes);
            buckets[Math.Clamp(bucket, 0, count - 1)] += minute.Revenue;
        }
        return buckets;
    }

    private static DateTimeOffset StartOfMinute(DateTimeOffset instant) =>
        new(instant.UtcTicks - instant.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);

    private static DateTimeOffset AsOf(DateTimeOffset now) =>
        new(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
}
