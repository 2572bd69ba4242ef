using System.Globalization;
using System.Text.Json;
using Npgsql;
using ReelMetrics.Contracts.Live;
using StackExchange.Redis;

namespace ReelMetrics.Benchmarks;

/// <summary>One theater's sales on one business date.</summary>
internal readonly record struct TheaterDay(DateOnly SaleDate, int TheaterId, long Sales, long Tickets, decimal Revenue);

/// <summary>The generator's own totals file: what the broker acknowledged.</summary>
internal sealed record GeneratorTotals(long Sales, long Tickets, decimal Revenue, long DeliveryFailures, double AverageRate, IReadOnlyList<TheaterDay> Theaters)
{
    public static GeneratorTotals Read(string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = json.RootElement;
        return new GeneratorTotals(
            root.GetProperty("sales_count").GetInt64(),
            root.GetProperty("tickets_sold").GetInt64(),
            root.GetProperty("revenue").GetDecimal(),
            root.GetProperty("delivery_failures").GetInt64(),
            root.GetProperty("average_sales_per_second").GetDouble(),
            [.. root.GetProperty("theaters").EnumerateArray().Select(t => new TheaterDay(
                DateOnly.ParseExact(t.GetProperty("sale_date").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture),
                t.GetProperty("theater_id").GetInt32(),
                t.GetProperty("sales_count").GetInt64(),
                t.GetProperty("tickets_sold").GetInt64(),
                t.GetProperty("revenue").GetDecimal()))]);
    }
}

/// <summary>The result of comparing stored totals with the generator's.</summary>
internal sealed record ExactnessReport(bool Exact, IReadOnlyList<string> Checks, IReadOnlyList<string> Problems);

/// <summary>
/// After every run: PostgreSQL (the sales rows and the aggregate table) and Redis (the live
/// leaderboards, or the naive consumer's lists) must equal the generator's totals exactly, per
/// theater and business date. Redis holds revenue as a double: equal to the cent.
/// </summary>
internal static class Exactness
{
    public static async Task<ExactnessReport> CheckOursAsync(string postgres, string redis, GeneratorTotals expected)
    {
        var checks = new List<string>();
        var problems = new List<string>();
        await using var dataSource = NpgsqlDataSource.Create(postgres);

        var rows = await ReadAsync(dataSource, "select sale_date, theater_id, count(*), sum(tickets_sold), sum(revenue) from sales group by 1, 2");
        Compare("PostgreSQL sales rows", rows, expected, checks, problems);
        var aggregates = await ReadAsync(dataSource, "select sale_date, theater_id, sales_count, tickets_sold, revenue from theater_daily_sales");
        Compare("PostgreSQL theater_daily_sales", aggregates, expected, checks, problems);
        var movies = await ScalarAsync(dataSource, "select coalesce(sum(sales_count), 0) from movie_daily_sales");
        Check($"PostgreSQL movie_daily_sales counts {movies} sales", movies == expected.Sales, checks, problems);
        var deadLetters = await ScalarAsync(dataSource, "select count(*) from dead_letters");
        Check($"{deadLetters} dead letters", deadLetters == 0, checks, problems);

        using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis);
        var db = multiplexer.GetDatabase();
        var redisRows = new List<TheaterDay>();
        foreach (var date in expected.Theaters.Select(t => t.SaleDate).Distinct())
        {
            var revenue = await ScoresAsync(db, LiveKeys.Theaters(date, LiveKeys.Measure.Revenue));
            var tickets = await ScoresAsync(db, LiveKeys.Theaters(date, LiveKeys.Measure.Tickets));
            var sales = await ScoresAsync(db, LiveKeys.Theaters(date, LiveKeys.Measure.Sales));
            foreach (var (theater, score) in revenue)
            {
                redisRows.Add(new TheaterDay(date, theater, (long)sales.GetValueOrDefault(theater), (long)tickets.GetValueOrDefault(theater),
                    Math.Round((decimal)score, 2)));
            }
        }
        Compare("Redis theater leaderboards", redisRows, expected, checks, problems);
        return new ExactnessReport(problems.Count == 0, checks, problems);
    }

    /// <summary>The naive consumer's table and lists. Only meaningful when it consumed everything.</summary>
    public static async Task<ExactnessReport> CheckNaiveAsync(string postgres, string redis, GeneratorTotals expected)
    {
        var checks = new List<string>();
        var problems = new List<string>();
        var rows = await NaiveRowsAsync(postgres);
        Compare("PostgreSQL ticket_sales rows", rows, expected, checks, problems);

        var (theaterLists, movieLists) = await NaiveListLengthsAsync(redis, expected);
        Check($"Redis theater lists hold {theaterLists} sales", theaterLists == expected.Sales, checks, problems);
        Check($"Redis movie lists hold {movieLists} sales", movieLists == expected.Sales, checks, problems);
        return new ExactnessReport(problems.Count == 0, checks, problems);
    }

    /// <summary>
    /// A naive run stopped before the end: what it stored must agree between PostgreSQL and Redis, and no
    /// theater-day may exceed the generator's totals (a prefix of each partition was consumed).
    /// </summary>
    public static async Task<ExactnessReport> CheckNaivePartialAsync(string postgres, string redis, GeneratorTotals expected)
    {
        var checks = new List<string>();
        var problems = new List<string>();
        var rows = await NaiveRowsAsync(postgres);
        var stored = rows.Sum(r => r.Sales);
        var limits = expected.Theaters.ToDictionary(t => (t.SaleDate, t.TheaterId));
        var over = rows.Where(r => !limits.TryGetValue((r.SaleDate, r.TheaterId), out var l) || r.Sales > l.Sales || r.Tickets > l.Tickets || r.Revenue > l.Revenue).ToList();
        Check($"partial run: {stored} rows in ticket_sales, none beyond the generator's totals per theater-day", over.Count == 0, checks, problems);

        var (theaterLists, movieLists) = await NaiveListLengthsAsync(redis, expected);
        Check($"partial run: Redis theater lists hold {theaterLists} sales, movie lists {movieLists} (PostgreSQL {stored})",
            theaterLists == stored && movieLists == stored, checks, problems);
        return new ExactnessReport(problems.Count == 0, checks, problems);
    }

    /// <summary>The naive consumer's sales table, per theater-day.</summary>
    private static async Task<IReadOnlyList<TheaterDay>> NaiveRowsAsync(string postgres)
    {
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        return await ReadAsync(dataSource,
            "select sale_date, theater_id, count(*), sum(tickets_sold), sum(tickets_sold * ticket_price) from ticket_sales group by 1, 2");
    }

    /// <summary>Sales on the naive consumer's Redis lists: all theaters' lists, and all movies' lists.</summary>
    private static async Task<(long Theaters, long Movies)> NaiveListLengthsAsync(string redis, GeneratorTotals expected)
    {
        using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis);
        var db = multiplexer.GetDatabase();
        long theaterLists = 0, movieLists = 0;
        foreach (var theater in expected.Theaters.Select(t => t.TheaterId).Distinct()) theaterLists += await db.ListLengthAsync($"orig:theater:{theater}");
        for (var movie = 1; movie <= 100; movie++) movieLists += await db.ListLengthAsync($"orig:movie:{movie}");
        return (theaterLists, movieLists);
    }

    private static void Compare(string what, IReadOnlyList<TheaterDay> actual, GeneratorTotals expected, List<string> checks, List<string> problems)
    {
        var byKey = actual.ToDictionary(r => (r.SaleDate, r.TheaterId));
        var mismatches = new List<string>();
        foreach (var e in expected.Theaters)
        {
            if (!byKey.Remove((e.SaleDate, e.TheaterId), out var a))
            {
                mismatches.Add($"{e.SaleDate:yyyy-MM-dd}/theater {e.TheaterId}: missing");
            }
            else if (a.Sales != e.Sales || a.Tickets != e.Tickets || a.Revenue != e.Revenue)
            {
                mismatches.Add($"{e.SaleDate:yyyy-MM-dd}/theater {e.TheaterId}: {a.Sales} sales, {a.Tickets} tickets, {a.Revenue} USD; expected {e.Sales}, {e.Tickets}, {e.Revenue}");
            }
        }
        mismatches.AddRange(byKey.Values.Select(a => $"{a.SaleDate:yyyy-MM-dd}/theater {a.TheaterId}: unexpected {a.Sales} sales"));
        var total = (Sales: actual.Sum(r => r.Sales), Tickets: actual.Sum(r => r.Tickets), Revenue: actual.Sum(r => r.Revenue));
        Check($"{what}: {total.Sales} sales, {total.Tickets} tickets, {total.Revenue} USD over {actual.Count} theater-days " +
              $"(generator: {expected.Sales}, {expected.Tickets}, {expected.Revenue} over {expected.Theaters.Count})",
            mismatches.Count == 0, checks, problems);
        problems.AddRange(mismatches.Take(10).Select(m => $"{what}: {m}"));
    }

    private static void Check(string text, bool ok, List<string> checks, List<string> problems)
    {
        checks.Add((ok ? "OK   " : "FAIL ") + text);
        if (!ok) problems.Add(text);
    }

    private static async Task<List<TheaterDay>> ReadAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<TheaterDay>();
        while (await reader.ReadAsync())
        {
            rows.Add(new TheaterDay(reader.GetFieldValue<DateOnly>(0), reader.GetInt32(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetDecimal(4)));
        }
        return rows;
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, CultureInfo.InvariantCulture);
    }

    private static async Task<Dictionary<int, double>> ScoresAsync(IDatabase db, string key)
    {
        var entries = await db.SortedSetRangeByRankWithScoresAsync(key);
        return entries.ToDictionary(e => int.Parse((string)e.Element!, CultureInfo.InvariantCulture), e => e.Score);
    }
}
