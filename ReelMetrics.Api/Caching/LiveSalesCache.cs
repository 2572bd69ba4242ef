using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReelMetrics.Api.Live;
using ReelMetrics.Contracts.Api;
using ReelMetrics.Contracts.Live;
using StackExchange.Redis;
using static ReelMetrics.Contracts.Live.LiveKeys;

namespace ReelMetrics.Api.Caching;

/// <summary>
/// Reads the live aggregates the consumer keeps in Redis (<see cref="LiveKeys"/>) as the same figures the read
/// models return. Every read answers null — "ask PostgreSQL" — when the cache is off, when Redis does not hold
/// every aggregate (no <see cref="LiveKeys.Built"/> marker, checked in the same round trip), or when Redis fails
/// or is slow; after a failure Redis is left alone for <see cref="ApiOptions.CacheRetryDelay"/>.
/// </summary>
/// <remarks>
/// Freshness: the consumer writes these totals right after the PostgreSQL transaction that changed them commits,
/// so they trail PostgreSQL by that one write (milliseconds). One read serves the same figures to every request until
/// the consumer's next "sales updated" notification (<see cref="SalesUpdates"/>), and for at most
/// <see cref="ApiOptions.HotReadLifetime"/> (200 ms, what bounds the age while notifications do not arrive). If such a
/// write fails, Redis may lag until the consumer has rebuilt it; the APIs read PostgreSQL meanwhile.
/// </remarks>
public sealed class LiveSalesCache(IServiceProvider services, SalesUpdates updates, IOptions<ApiOptions> options, ILogger<LiveSalesCache> logger)
{
    private readonly Lazy<IConnectionMultiplexer?> redis = new(() =>
        options.Value.UseCache ? services.GetService<IConnectionMultiplexer>() : null);

    private long retryAfter;

    /// <summary>Revenue and tickets of every theater that sold on the date.</summary>
    public Task<IReadOnlyList<RankedFigures>?> TheatersAsync(DateOnly date) => ReadAsync($"theaters:{date:O}", async db =>
    {
        var revenue = db.SortedSetRangeByRankWithScoresAsync(Theaters(date, Measure.Revenue));
        var tickets = db.SortedSetRangeByRankWithScoresAsync(Theaters(date, Measure.Tickets));
        return Ranked(await revenue, await tickets);
    });

    /// <summary>Revenue and tickets of every movie that sold on the date.</summary>
    public Task<IReadOnlyList<RankedFigures>?> MoviesAsync(DateOnly date) => ReadAsync($"movies:{date:O}", async db =>
    {
        var revenue = db.SortedSetRangeByRankWithScoresAsync(Movies(date, Measure.Revenue));
        var tickets = db.SortedSetRangeByRankWithScoresAsync(Movies(date, Measure.Tickets));
        return Ranked(await revenue, await tickets);
    });

    /// <summary>Each movie's sales at a theater on each of the dates.</summary>
    public Task<IReadOnlyList<TheaterMovieFigures>?> TheaterMoviesAsync(int theaterId, DateRange dates) => ReadAsync($"theater-movies:{theaterId}:{dates.From:O}:{dates.To:O}", async db =>
    {
        var reads = dates.Dates.Select(date => (
            Date: date,
            Revenue: db.SortedSetRangeByRankWithScoresAsync(TheaterMovies(date, theaterId, Measure.Revenue)),
            Tickets: db.SortedSetRangeByRankWithScoresAsync(TheaterMovies(date, theaterId, Measure.Tickets)))).ToList();
        var rows = new List<TheaterMovieFigures>();
        foreach (var read in reads)
        {
            rows.AddRange(Ranked(await read.Revenue, await read.Tickets)
                .Select(r => new TheaterMovieFigures(read.Date, r.Id, r.TicketsSold, r.Revenue)));
        }
        return (IReadOnlyList<TheaterMovieFigures>)rows;
    });

    /// <summary>A theater's sales on a date per hour of its local day.</summary>
    public Task<IReadOnlyList<TheaterHourSales>?> TheaterHoursAsync(int theaterId, DateOnly date) => ReadAsync($"theater-hours:{theaterId}:{date:O}", async db =>
    {
        var revenue = db.SortedSetRangeByRankWithScoresAsync(TheaterHours(date, theaterId, Measure.Revenue));
        var tickets = db.SortedSetRangeByRankWithScoresAsync(TheaterHours(date, theaterId, Measure.Tickets));
        var sales = db.SortedSetRangeByRankWithScoresAsync(TheaterHours(date, theaterId, Measure.Sales));
        var ticketsByHour = Scores(await tickets);
        var salesByHour = Scores(await sales);
        var rows = new List<TheaterHourSales>();
        foreach (var entry in await revenue)
        {
            var member = (string)entry.Element!;
            if (!int.TryParse(member, NumberStyles.None, CultureInfo.InvariantCulture, out var hour)) continue;
            rows.Add(new TheaterHourSales(hour, Count(ticketsByHour, member), Money.FromScore(entry.Score), Count(salesByHour, member)));
        }
        return (IReadOnlyList<TheaterHourSales>)rows;
    });

    /// <summary>Chain sales per channel, summed over the dates.</summary>
    public Task<IReadOnlyList<ChannelFigures>?> ChannelsAsync(DateRange dates) => ReadAsync($"channels:{dates.From:O}:{dates.To:O}", async db =>
    {
        var reads = dates.Dates.Select(date => (
            Revenue: db.SortedSetRangeByRankWithScoresAsync(Channels(date, Measure.Revenue)),
            Tickets: db.SortedSetRangeByRankWithScoresAsync(Channels(date, Measure.Tickets)),
            Sales: db.SortedSetRangeByRankWithScoresAsync(Channels(date, Measure.Sales)))).ToList();
        var channels = new Dictionary<string, ChannelFigures>(StringComparer.Ordinal);
        foreach (var read in reads)
        {
            var tickets = Scores(await read.Tickets);
            var sales = Scores(await read.Sales);
            foreach (var entry in await read.Revenue)
            {
                var channel = (string)entry.Element!;
                var day = new ChannelFigures(channel, Count(tickets, channel), Money.FromScore(entry.Score), Count(sales, channel));
                channels[channel] = channels.TryGetValue(channel, out var sum)
                    ? sum with { TicketsSold = sum.TicketsSold + day.TicketsSold, Revenue = sum.Revenue + day.Revenue, SalesCount = sum.SalesCount + day.SalesCount }
                    : day;
            }
        }
        return (IReadOnlyList<ChannelFigures>)[.. channels.Values];
    });

    /// <summary>Chain sales per minute with <paramref name="from"/> ≤ minute &lt; <paramref name="to"/>.</summary>
    public Task<IReadOnlyList<MinuteFigures>?> MinutesAsync(DateTimeOffset from, DateTimeOffset to) => ReadAsync($"minutes:{from.UtcTicks}:{to.UtcTicks}", async db =>
    {
        var first = DateOnly.FromDateTime(from.UtcDateTime);
        var last = DateOnly.FromDateTime(to.UtcDateTime.AddTicks(-1));
        var reads = new DateRange(first, last).Dates.Select(day => (
            Day: day,
            Revenue: db.SortedSetRangeByRankWithScoresAsync(Minutes(day, Measure.Revenue)),
            Tickets: db.SortedSetRangeByRankWithScoresAsync(Minutes(day, Measure.Tickets)),
            Sales: db.SortedSetRangeByRankWithScoresAsync(Minutes(day, Measure.Sales)))).ToList();
        var rows = new List<MinuteFigures>();
        foreach (var read in reads)
        {
            var tickets = Scores(await read.Tickets);
            var sales = Scores(await read.Sales);
            var midnight = read.Day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            foreach (var entry in await read.Revenue)
            {
                var member = (string)entry.Element!;
                if (!int.TryParse(member, NumberStyles.None, CultureInfo.InvariantCulture, out var minuteOfDay)) continue;
                var minute = midnight.AddMinutes(minuteOfDay);
                if (minute < from.UtcDateTime || minute >= to.UtcDateTime) continue;
                rows.Add(new MinuteFigures(minute, Count(tickets, member), Money.FromScore(entry.Score), Count(sales, member)));
            }
        }
        return (IReadOnlyList<MinuteFigures>)rows;
    });

    /// <summary>Chain sales of a business date per minute of sold_at.</summary>
    public Task<IReadOnlyList<MinuteFigures>?> DateMinutesAsync(DateOnly date) => ReadAsync($"date-minutes:{date:O}", async db =>
    {
        var revenue = db.SortedSetRangeByRankWithScoresAsync(DateMinutes(date, Measure.Revenue));
        var tickets = db.SortedSetRangeByRankWithScoresAsync(DateMinutes(date, Measure.Tickets));
        var ticketsByMinute = Scores(await tickets);
        var rows = new List<MinuteFigures>();
        foreach (var entry in await revenue)
        {
            var member = (string)entry.Element!;
            // Minutes before 1970 are negative; sold_at ±infinity (stored for DateTimeOffset.Min/MaxValue) is at the ends of time.
            if (!long.TryParse(member, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var unixMinute)) continue;
            var minute = DateTime.UnixEpoch.AddTicks(Math.Clamp(unixMinute, FirstUnixMinute, LastUnixMinute) * TimeSpan.TicksPerMinute);
            rows.Add(new MinuteFigures(minute, Count(ticketsByMinute, member), Money.FromScore(entry.Score), 0));
        }
        return (IReadOnlyList<MinuteFigures>)rows;
    });

    private static readonly long FirstUnixMinute = (DateTime.MinValue.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMinute;
    private static readonly long LastUnixMinute = (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMinute;

    /// <summary>Tickets sold for each of the showtimes of a date, in the order asked (0 for a showtime without sales).</summary>
    public Task<IReadOnlyList<int>?> ShowtimeTicketsAsync(DateOnly date, IReadOnlyList<long> showtimeIds) => ReadAsync($"showtimes:{date:O}:{string.Join(',', showtimeIds)}", async db =>
    {
        var members = showtimeIds.Select(id => (RedisValue)id.ToString(CultureInfo.InvariantCulture)).ToArray();
        var scores = await db.SortedSetScoresAsync(Showtimes(date), members);
        return (IReadOnlyList<int>)scores.Select(score => (int)Math.Round(score ?? 0)).ToArray();
    });

    /// <summary>
    /// One Redis read per <paramref name="key"/> between two "sales updated" notifications, and for at most
    /// <see cref="ApiOptions.HotReadLifetime"/>: requests in between share it (also while it is still in flight), so a
    /// burst of requests for the same figures costs one round trip, and a sale is visible as soon as it is announced.
    /// </summary>
    private Task<T?> ReadAsync<T>(string key, Func<IDatabaseAsync, Task<T>> read) where T : class
    {
        var lifetime = (long)options.Value.HotReadLifetime.TotalMilliseconds;
        if (lifetime <= 0) return ReadRedisAsync(read);

        updates.Listen();
        var generation = updates.Generation;   // taken before the read: a notification during it makes the next request read again
        var now = Environment.TickCount64;
        if (hotReads.TryGetValue(key, out var hot) && now < hot.Expires && hot.Generation == generation) return (Task<T?>)hot.Read;
        if (hotReads.Count >= MaxHotReads) hotReads.Clear();   // keys come from requests: keep the map bounded
        var fresh = ReadRedisAsync(read);
        hotReads[key] = new HotRead(now + lifetime, generation, fresh);
        return fresh;
    }

    private sealed record HotRead(long Expires, long Generation, Task Read);

    private const int MaxHotReads = 10_000;

    private readonly ConcurrentDictionary<string, HotRead> hotReads = new(StringComparer.Ordinal);

    private async Task<T?> ReadRedisAsync<T>(Func<IDatabaseAsync, Task<T>> read) where T : class
    {
        if (Environment.TickCount64 < Volatile.Read(ref retryAfter)) return null;
        try
        {
            if (redis.Value is not { } connection) return null;
            var db = connection.GetDatabase();
            var built = db.KeyExistsAsync(Built);
            var result = read(db);
            await Task.WhenAll(built, result);
            return await built ? await result : null;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Volatile.Write(ref retryAfter, Environment.TickCount64 + (long)options.Value.CacheRetryDelay.TotalMilliseconds);
            logger.LogWarning("Redis did not answer ({Message}); reading from PostgreSQL for the next {Seconds} s",
                ex.Message, options.Value.CacheRetryDelay.TotalSeconds);
            return null;
        }
    }

    private static IReadOnlyList<RankedFigures> Ranked(SortedSetEntry[] revenue, SortedSetEntry[] tickets)
    {
        var ticketsById = Scores(tickets);
        var rows = new List<RankedFigures>(revenue.Length);
        foreach (var entry in revenue)
        {
            var member = (string)entry.Element!;
            if (int.TryParse(member, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                rows.Add(new RankedFigures(id, Count(ticketsById, member), Money.FromScore(entry.Score)));
            }
        }
        return rows;
    }

    private static Dictionary<string, double> Scores(SortedSetEntry[] entries) =>
        entries.ToDictionary(e => (string)e.Element!, e => e.Score, StringComparer.Ordinal);

    private static long Count(Dictionary<string, double> scores, string member) =>
        scores.TryGetValue(member, out var score) ? (long)Math.Round(score) : 0;
}
