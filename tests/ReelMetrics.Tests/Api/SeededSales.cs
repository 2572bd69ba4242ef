using ReelMetrics.Contracts;
using ReelMetrics.Contracts.Api;
using ReelMetrics.Database.Catalog;
using ReelMetrics.Tests.Ingestion;

namespace ReelMetrics.Tests.Api;

/// <summary>
/// The sales a test world ingested, and what the contract must answer about them, worked out here from the events
/// themselves (not from the database) so that the APIs are checked against an independent sum.
/// </summary>
public sealed class SeededSales(IReadOnlyList<TicketSold> events, DateTimeOffset now)
{
    private readonly List<TicketSold> sales = [.. events];

    public IReadOnlyList<TicketSold> Events => sales;

    public DateTimeOffset Now { get; } = now;

    /// <summary>The chain's business date at <see cref="Now"/>: the APIs' today.</summary>
    public DateOnly Today => SeedCatalog.Calendar.Today(Now);

    /// <summary>The business date on which two theaters (2 and 5) sold exactly the same.</summary>
    public DateOnly TieDate => Today.AddDays(2);

    public void Add(IEnumerable<TicketSold> more) => sales.AddRange(more);

    /// <summary>
    /// A few thousand events: today's showtimes sold over the last hours, yesterday's and tomorrow's sold today, last
    /// week's same weekday sold before and after this time of day, and a tie between theaters 2 and 5.
    /// </summary>
    public static List<TicketSold> Create(DateTimeOffset now)
    {
        var today = SeedCatalog.Calendar.Today(now);
        var midnight = SeedCatalog.Calendar.TodayWindow(now).Start;   // the start of the chain's business day
        var random = new Random(20250314);
        // Today's showtimes, sold over the day so far; a few before it began (tickets bought ahead).
        var events = SaleEvents.Random(900, seed: 31)
            .Select((e, i) => e with { SoldAt = Max(midnight.AddMinutes(-30), now.AddSeconds(-9 * i)) })
            .ToList();
        events.AddRange(On(today.AddDays(-1), 120, random, _ => Max(midnight, now.AddMinutes(-random.Next(0, 300)))));
        events.AddRange(On(today.AddDays(1), 120, random, _ => Max(midnight, now.AddMinutes(-random.Next(0, 300)))));
        var lastWeekDay = SeedCatalog.Calendar.Chain.WindowOf(today.AddDays(-7));
        var lastWeekNow = SeedCatalog.Calendar.SameTimeLastWeek(now);
        events.AddRange(On(today.AddDays(-7), 300, random, _ =>
        {
            var soldAt = lastWeekNow.AddMinutes(random.Next(-240, 240));
            return soldAt < lastWeekDay.Start ? lastWeekDay.Start : soldAt >= lastWeekDay.End ? lastWeekDay.End.AddSeconds(-1) : soldAt;
        }));

        var tieDate = today.AddDays(2);
        var five = SeedCatalog.ShowtimesOn(tieDate).First(s => s.TheaterId == 5);
        var two = SeedCatalog.ShowtimesOn(tieDate).First(s => s.TheaterId == 2 && s.BasePrice == five.BasePrice);
        events.Add(SaleEvents.For(five, 3, SalesChannel.Kiosk) with { SoldAt = midnight });
        events.Add(SaleEvents.For(two, 3, SalesChannel.Kiosk) with { SoldAt = midnight });
        return events;
    }

    private static IEnumerable<TicketSold> On(DateOnly date, int count, Random random, Func<int, DateTimeOffset> soldAt)
    {
        var showtimes = SeedCatalog.ShowtimesOn(date).ToList();
        SalesChannel[] channels = [SalesChannel.Online, SalesChannel.BoxOffice, SalesChannel.Kiosk];
        for (var i = 0; i < count; i++)
        {
            var showtime = showtimes[random.Next(showtimes.Count)];
            yield return SaleEvents.For(showtime, random.Next(1, 5), channels[random.Next(channels.Length)]) with { SoldAt = soldAt(i) };
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    public static decimal Revenue(TicketSold sale) => sale.TicketsSold * sale.TicketPrice;

    private IEnumerable<TicketSold> On(DateOnly date) => sales.Where(s => s.SaleDate == date);

    public IReadOnlyList<TheaterRank> TheaterLeaderboard(DateOnly date, int limit) =>
        [.. Ranked(date, limit, s => s.TheaterId).Select(r => new TheaterRank(r.Rank, r.Id, TheaterName(r.Id), r.Revenue, r.Tickets))];

    public IReadOnlyList<MovieRank> MovieLeaderboard(DateOnly date, int limit) =>
        [.. Ranked(date, limit, s => s.MovieId).Select(r => new MovieRank(r.Rank, r.Id, MovieTitle(r.Id), r.Revenue, r.Tickets))];

    /// <summary>The <paramref name="limit"/> ids with the most revenue on a date, ties by id, ranked from 1.</summary>
    private IEnumerable<(int Rank, int Id, decimal Revenue, long Tickets)> Ranked(DateOnly date, int limit, Func<TicketSold, int> id) =>
        On(date).GroupBy(id)
            .Select(g => (Id: g.Key, Revenue: g.Sum(Revenue), Tickets: (long)g.Sum(s => s.TicketsSold)))
            .OrderByDescending(r => r.Revenue).ThenBy(r => r.Id).Take(limit)
            .Select((r, i) => (i + 1, r.Id, r.Revenue, r.Tickets));

    public IReadOnlyList<TheaterMovieSales> TheaterMovies(int theaterId, DateOnly from, DateOnly to) =>
        sales.Where(s => s.TheaterId == theaterId && s.SaleDate >= from && s.SaleDate <= to)
            .GroupBy(s => (s.SaleDate, s.MovieId))
            .Select(g => new TheaterMovieSales(g.Key.MovieId, MovieTitle(g.Key.MovieId), g.Key.SaleDate, g.Sum(s => s.TicketsSold), g.Sum(Revenue)))
            .OrderByDescending(r => r.SaleDate).ThenByDescending(r => r.Revenue).ThenBy(r => r.MovieId)
            .ToList();

    public IReadOnlyList<DailySales> MovieSales(int movieId, DateOnly from, DateOnly to) =>
        sales.Where(s => s.MovieId == movieId && s.SaleDate >= from && s.SaleDate <= to)
            .GroupBy(s => s.SaleDate)
            .Select(g => new DailySales(g.Key, g.Sum(s => s.TicketsSold), g.Sum(Revenue)))
            .OrderByDescending(r => r.SaleDate)
            .ToList();

    public (decimal Revenue, long Tickets, long Sales, IReadOnlyList<ChannelSales> Channels) Summary(DateOnly from, DateOnly to)
    {
        var range = sales.Where(s => s.SaleDate >= from && s.SaleDate <= to).ToList();
        var channels = range.GroupBy(s => ChannelName(s.Channel))
            .Select(g => new ChannelSales(g.Key, g.Sum(Revenue), g.Sum(s => s.TicketsSold)))
            .OrderByDescending(c => c.Revenue).ThenBy(c => c.Channel, StringComparer.Ordinal)
            .ToList();
        return (range.Sum(Revenue), range.Sum(s => s.TicketsSold), range.Count, channels);
    }

    /// <summary>A theater's sales on a date per hour of its local day (of the time of sale), by hour.</summary>
    public IReadOnlyList<TheaterHourSales> TheaterHours(int theaterId, DateOnly date)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(SeedCatalog.Theaters.Single(t => t.TheaterId == theaterId).TimeZone);
        return sales.Where(s => s.TheaterId == theaterId && s.SaleDate == date)
            .GroupBy(s => TimeZoneInfo.ConvertTime(s.SoldAt, zone).Hour)
            .Select(g => new TheaterHourSales(g.Key, g.Sum(s => s.TicketsSold), g.Sum(Revenue), g.Count()))
            .OrderBy(h => h.Hour)
            .ToList();
    }

    public IReadOnlyList<Showtime> Showtimes(int theaterId, DateOnly date)
    {
        var theater = SeedCatalog.Theaters.Single(t => t.TheaterId == theaterId);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(theater.TimeZone);
        var screens = SeedCatalog.Screens.ToDictionary(s => s.ScreenId);
        var tickets = sales.Where(s => s.TheaterId == theaterId && s.SaleDate == date)
            .GroupBy(s => s.ShowtimeId).ToDictionary(g => g.Key, g => g.Sum(s => s.TicketsSold));
        return SeedCatalog.ShowtimesOn(date).Where(s => s.TheaterId == theaterId)
            .Select(s =>
            {
                var sold = tickets.GetValueOrDefault(s.ShowtimeId);
                var screen = screens[s.ScreenId];
                return new Showtime(s.ShowtimeId, s.MovieId, MovieTitle(s.MovieId), screen.Name, screen.Format,
                    new DateTimeOffset(s.StartsAt, zone.GetUtcOffset(s.StartsAt)), s.Capacity, sold, Math.Round((double)sold / s.Capacity, 4));
            })
            .OrderBy(s => s.StartsAt).ThenBy(s => s.Screen, StringComparer.Ordinal).ThenBy(s => s.ShowtimeId)
            .ToList();
    }

    /// <summary>Revenue and tickets of a business date sold (by sold_at) up to and including the minute of <paramref name="until"/>, or all of them.</summary>
    public (decimal Revenue, long Tickets) SoldFor(DateOnly date, DateTimeOffset? until = null)
    {
        var end = until is { } last ? last.AddTicks(-(last.UtcTicks % TimeSpan.TicksPerMinute)).AddMinutes(1) : DateTimeOffset.MaxValue;
        var sold = sales.Where(s => s.SaleDate == date && s.SoldAt < end).ToList();
        return (sold.Sum(Revenue), sold.Sum(s => s.TicketsSold));
    }

    /// <summary>Sales (count) in the current minute of <see cref="Now"/> and the four before it.</summary>
    public int SalesInLastFiveMinutes()
    {
        var end = Now.AddTicks(-(Now.UtcTicks % TimeSpan.TicksPerMinute)).AddMinutes(1);
        return sales.Count(s => s.SoldAt >= end.AddMinutes(-5) && s.SoldAt < end);
    }

    public static string TheaterName(int id) => SeedCatalog.Theaters.Single(t => t.TheaterId == id).Name;

    public static string MovieTitle(int id) => SeedCatalog.Movies.Single(m => m.MovieId == id).Title;

    public static string ChannelName(SalesChannel channel) => channel switch
    {
        SalesChannel.Online => "online",
        SalesChannel.BoxOffice => "box_office",
        _ => "kiosk",
    };
}
