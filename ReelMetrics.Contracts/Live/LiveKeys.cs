using System.Globalization;

namespace ReelMetrics.Contracts.Live;

/// <summary>
/// The Redis key space of the live aggregates. The consumer writes them, the APIs read them.
/// Every value is an absolute total (never an increment) stored as a sorted-set score and
/// written with <c>ZADD … GT</c>: totals only grow, so writes from several consumers, retries
/// and rebuilds converge on the largest, i.e. the latest, value. Redis is a cache of
/// PostgreSQL: <see cref="Built"/> is missing after a flush, and the consumer then rebuilds it.
/// </summary>
public static class LiveKeys
{
    public const string Prefix = "rm:";

    /// <summary>Set when the cache holds every aggregate of PostgreSQL; missing means "rebuild me".</summary>
    public const string Built = Prefix + "built";

    /// <summary>Held (SET NX with an expiry) by the consumer that is rebuilding the cache, so rebuilds do not overlap.</summary>
    public const string RebuildLock = Prefix + "rebuilding";

    /// <summary>Pub/sub channel the consumer publishes on after each batch it has applied.</summary>
    public const string SalesUpdatedChannel = Prefix + "sales-updated";

    /// <summary>Members of the per-day sorted sets hold either revenue, tickets or number of sales.</summary>
    public enum Measure { Revenue, Tickets, Sales }

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Suffix(Measure measure) => measure switch
    {
        Measure.Revenue => "revenue",
        Measure.Tickets => "tickets",
        _ => "sales",
    };

    /// <summary>Theater leaderboard of a business date: member = theater id.</summary>
    public static string Theaters(DateOnly date, Measure measure) => $"{Prefix}{Day(date)}:theaters:{Suffix(measure)}";

    /// <summary>Movie leaderboard of a business date: member = movie id.</summary>
    public static string Movies(DateOnly date, Measure measure) => $"{Prefix}{Day(date)}:movies:{Suffix(measure)}";

    /// <summary>One theater's movies on a business date: member = movie id.</summary>
    public static string TheaterMovies(DateOnly date, int theaterId, Measure measure) =>
        $"{Prefix}{Day(date)}:theater:{theaterId.ToString(CultureInfo.InvariantCulture)}:movies:{Suffix(measure)}";

    /// <summary>One theater's sales on a business date per hour of its local day: member = hour (0–23).</summary>
    public static string TheaterHours(DateOnly date, int theaterId, Measure measure) =>
        $"{Prefix}{Day(date)}:theater:{theaterId.ToString(CultureInfo.InvariantCulture)}:hours:{Suffix(measure)}";

    /// <summary>Chain totals of a business date by channel: member = channel (online, box_office, kiosk).</summary>
    public static string Channels(DateOnly date, Measure measure) => $"{Prefix}{Day(date)}:channels:{Suffix(measure)}";

    /// <summary>Tickets sold per showtime of a business date: member = showtime id.</summary>
    public static string Showtimes(DateOnly date) => $"{Prefix}{Day(date)}:showtimes:tickets";

    /// <summary>
    /// Chain sales of a business date per minute they were sold in (the pace of the day): member = minute of sold_at
    /// in minutes since the Unix epoch (a date's tickets are sold over many days).
    /// </summary>
    public static string DateMinutes(DateOnly date, Measure measure) => $"{Prefix}{Day(date)}:minutes:{Suffix(measure)}";

    /// <summary>Chain sales per minute of a UTC day (by sold_at): member = minute of the day (0–1439).</summary>
    public static string Minutes(DateOnly utcDate, Measure measure) => $"{Prefix}minutes:{Day(utcDate)}:{Suffix(measure)}";
}
