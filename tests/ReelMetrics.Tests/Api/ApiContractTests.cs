using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ReelMetrics.Api.Security;
using ReelMetrics.Contracts;
using ReelMetrics.Contracts.Api;
using ReelMetrics.Database.Catalog;

namespace ReelMetrics.Tests.Api;

/// <summary>
/// The contract of docs/api.md, written once and run against both backends, signed in as each role (the subclasses
/// below): every route answers the values worked out from the seeded sales, and every bad input is a problem, never a 500.
/// </summary>
public abstract class ApiContractTests(ApiWorld world) : IClassFixture<ApiWorld>
{
    protected abstract Backend Backend { get; }

    /// <summary>Who the suite signs in as: every role reads the same contract.</summary>
    protected abstract string Role { get; }

    private HttpClient Client => world.Client(Backend, role: Role);

    private SeededSales Sales => world.Sales;

    private string Today => Day(Sales.Today);

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private async Task<ApiResponse> OkAsync(string url)
    {
        var response = await Client.FetchAsync(url);
        Assert.True(response.Status == HttpStatusCode.OK, $"GET {url}: {response}");
        Assert.Equal("application/json", response.MediaType);
        return response;
    }

    [Fact]
    public async Task TheatersAreTheWholeChainByIdWithTheirScreensAndSeats()
    {
        var theaters = (await OkAsync("/theaters")).As<Theater[]>();

        var expected = SeedCatalog.Theaters.Select(t => new Theater(t.TheaterId, t.Name, t.City, t.TimeZone,
            SeedCatalog.Screens.Count(s => s.TheaterId == t.TheaterId), SeedCatalog.Screens.Where(s => s.TheaterId == t.TheaterId).Sum(s => s.Capacity)));
        Assert.Equal(expected, theaters);
    }

    [Fact]
    public async Task OneTheaterIsAsInTheList()
    {
        var theaters = (await OkAsync("/theaters")).As<Theater[]>();

        var theater = (await OkAsync("/theaters/7")).As<Theater>();

        Assert.Equal(theaters.Single(t => t.TheaterId == 7), theater);
    }

    [Fact]
    public async Task ATheatersMoviesAreItsSalesByDateNewestFirstThenByRevenueOverTheLast30DaysByDefault()
    {
        var byDefault = (await OkAsync("/theaters/1/movies")).As<TheaterMovieSales[]>();
        var range = (await OkAsync($"/theaters/1/movies?from={Day(Sales.Today.AddDays(-7))}&to={Day(Sales.Today.AddDays(1))}")).As<TheaterMovieSales[]>();

        Assert.Equal(Sales.TheaterMovies(1, Sales.Today.AddDays(-29), Sales.Today), byDefault);
        Assert.Equal(Sales.TheaterMovies(1, Sales.Today.AddDays(-7), Sales.Today.AddDays(1)), range);
        Assert.Contains(range, r => r.SaleDate == Sales.Today.AddDays(1));   // advance sales for tomorrow's showtimes
        Assert.NotEmpty(byDefault);
    }

    [Fact]
    public async Task ShowtimesSayHowFullEachIsAndStartAtAnInstantWithTheTheatersOffset()
    {
        var response = await OkAsync("/theaters/4/showtimes");
        var showtimes = response.As<Showtime[]>();
        var tomorrow = (await OkAsync($"/theaters/4/showtimes?date={Day(Sales.Today.AddDays(1))}")).As<Showtime[]>();

        Assert.Equal(Sales.Showtimes(4, Sales.Today), showtimes);
        Assert.Equal(Sales.Showtimes(4, Sales.Today.AddDays(1)), tomorrow);
        Assert.Contains(showtimes, s => s.TicketsSold > 0);
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var first = showtimes[0];
        Assert.Equal(newYork.GetUtcOffset(first.StartsAt.UtcDateTime), first.StartsAt.Offset);
        Assert.Equal(new TimeOnly(11, 0), TimeOnly.FromTimeSpan(first.StartsAt.TimeOfDay));   // the first slot, local time
        Assert.Matches(@"""starts_at"":""\d{4}-\d\d-\d\dT11:00:00-0[45]:00""", response.Body);
    }

    [Fact]
    public async Task ATheatersHoursAreItsSalesPerHourOfItsOwnLocalDayTodayByDefault()
    {
        var losAngeles = SeedCatalog.Theaters.First(t => t.TimeZone == "America/Los_Angeles").TheaterId;
        var byDefault = (await OkAsync($"/theaters/{losAngeles}/hours")).As<TheaterHourSales[]>();
        var yesterday = (await OkAsync($"/theaters/4/hours?date={Day(Sales.Today.AddDays(-1))}")).As<TheaterHourSales[]>();
        var nothingSold = (await OkAsync("/theaters/4/hours?date=2001-01-01")).As<TheaterHourSales[]>();

        Assert.Equal(Sales.TheaterHours(losAngeles, Sales.Today), byDefault);
        Assert.Equal(Sales.TheaterHours(4, Sales.Today.AddDays(-1)), yesterday);
        Assert.NotEmpty(byDefault);
        Assert.NotEmpty(yesterday);
        Assert.Empty(nothingSold);
        // The hours add up to the theater's day on the leaderboard.
        var board = (await OkAsync("/leaderboards/theaters?limit=100")).As<TheaterRank[]>().Single(t => t.TheaterId == losAngeles);
        Assert.Equal((board.Revenue, board.TicketsSold), (byDefault.Sum(h => h.Revenue), byDefault.Sum(h => h.TicketsSold)));
    }

    [Fact]
    public async Task TopTheaterIsTheOneWithTheMostRevenueOnThatDate()
    {
        var top = (await OkAsync($"/top-theater/{Today}")).As<TopTheater>();

        var expected = Sales.TheaterLeaderboard(Sales.Today, 1).Single();
        Assert.Equal(new TopTheater(Sales.Today, expected.TheaterId, expected.Name, expected.Revenue, expected.TicketsSold), top);
    }

    [Fact]
    public async Task TiesGoToTheLowestId()
    {
        var top = (await OkAsync($"/top-theater/{Day(Sales.TieDate)}")).As<TopTheater>();
        var board = (await OkAsync($"/leaderboards/theaters?date={Day(Sales.TieDate)}")).As<TheaterRank[]>();

        Assert.Equal(2, top.TheaterId);
        Assert.Equal([2, 5], board.Select(r => r.TheaterId));
        Assert.Equal(board[0].Revenue, board[1].Revenue);
        Assert.Equal([1, 2], board.Select(r => r.Rank));
    }

    [Fact]
    public async Task TopTheaterOnADateWithoutSalesIsANotFoundProblem()
    {
        var response = await Client.FetchAsync("/top-theater/2001-01-01");

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("application/problem+json", response.MediaType);
        Assert.Equal("Nothing was sold on 2001-01-01.", response.Node["detail"]!.GetValue<string>());
        Assert.Equal(404, response.Node["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task MoviesAreTheCatalogById()
    {
        var movies = (await OkAsync("/movies")).As<Movie[]>();

        Assert.Equal(SeedCatalog.Movies.Select(m => new Movie(m.MovieId, m.Title, m.Genre, m.Rating, m.RuntimeMinutes, m.ReleaseDate)), movies);
    }

    [Fact]
    public async Task AMoviesSalesAreByDateNewestFirst()
    {
        var movieId = Sales.MovieLeaderboard(Sales.Today, 1).Single().MovieId;

        var sales = (await OkAsync($"/movies/{movieId}/sales?from={Day(Sales.Today.AddDays(-7))}&to={Day(Sales.Today.AddDays(2))}")).As<DailySales[]>();
        var byDefault = (await OkAsync($"/movies/{movieId}/sales")).As<DailySales[]>();

        Assert.Equal(Sales.MovieSales(movieId, Sales.Today.AddDays(-7), Sales.Today.AddDays(2)), sales);
        Assert.Equal(Sales.MovieSales(movieId, Sales.Today.AddDays(-29), Sales.Today), byDefault);
        Assert.True(sales.Length >= 2);
    }

    [Fact]
    public async Task LeaderboardsRankTheatersAndMoviesByRevenue()
    {
        var theaters = (await OkAsync("/leaderboards/theaters")).As<TheaterRank[]>();
        var topFive = (await OkAsync("/leaderboards/theaters?limit=5")).As<TheaterRank[]>();
        var movies = (await OkAsync($"/leaderboards/movies?date={Day(Sales.Today.AddDays(-1))}&limit=100")).As<MovieRank[]>();

        Assert.Equal(Sales.TheaterLeaderboard(Sales.Today, 10), theaters);
        Assert.Equal(Sales.TheaterLeaderboard(Sales.Today, 5), topFive);
        Assert.Equal(Sales.MovieLeaderboard(Sales.Today.AddDays(-1), 100), movies);
        Assert.Equal(10, theaters.Length);
        Assert.Equal(Enumerable.Range(1, movies.Length), movies.Select(m => m.Rank));
    }

    [Fact]
    public async Task SummaryAddsUpEverySaleOfTheRangeAndSplitsItByChannel()
    {
        var today = (await OkAsync("/summary")).As<SalesSummary>();
        var from = Sales.Today.AddDays(-7);
        var to = Sales.Today.AddDays(2);
        var week = (await OkAsync($"/summary?from={Day(from)}&to={Day(to)}")).As<SalesSummary>();

        AssertSummary(Sales.Today, Sales.Today, today);
        AssertSummary(from, to, week);

        void AssertSummary(DateOnly first, DateOnly last, SalesSummary actual)
        {
            var expected = Sales.Summary(first, last);
            Assert.Equal((first, last), (actual.From, actual.To));
            Assert.Equal((expected.Revenue, expected.Tickets, expected.Sales), (actual.Revenue, actual.TicketsSold, actual.SalesCount));
            Assert.Equal(Math.Round(expected.Revenue / expected.Tickets, 2, MidpointRounding.AwayFromZero), actual.AverageTicketPrice);
            Assert.Equal(expected.Channels, actual.Channels);
        }
    }

    [Fact]
    public async Task PaceComparesTodaysBusinessDateWithLastWeeksUpToTheSameTimeIntoTheDay()
    {
        var response = await OkAsync("/pace");
        var pace = response.As<SalesPace>();

        var now = Sales.Now;
        var calendar = SeedCatalog.Calendar;
        var day = calendar.TodayWindow(now);
        var today = Sales.SoldFor(Sales.Today, now);
        var lastWeek = Sales.SoldFor(Sales.Today.AddDays(-7), calendar.SameTimeLastWeek(now));
        var lastWeekWholeDay = Sales.SoldFor(Sales.Today.AddDays(-7));
        Assert.Equal((Sales.Today, Sales.Today.AddDays(-7), "America/New_York"), (pace.Date, pace.LastWeekDate, pace.TimeZone));
        Assert.Equal(new RevenueAndTickets(today.Revenue, today.Tickets), pace.Today);
        Assert.Equal(new RevenueAndTickets(lastWeek.Revenue, lastWeek.Tickets), pace.LastWeek);
        Assert.Equal(Math.Round((double)(today.Revenue / lastWeek.Revenue), 4), pace.Ratio);
        // The pace card's today is the KPI's revenue today: the same sales, those of today's business date.
        Assert.Equal((await OkAsync("/summary")).As<SalesSummary>().Revenue, pace.Today.Revenue);
        Assert.Equal((int)(day.Length.TotalMinutes / 15), pace.Series.Count);
        Assert.Equal("06:00", pace.Series[0].Time);
        Assert.Equal("05:45", pace.Series[^1].Time);
        var current = pace.Series.Last(p => p.Today is not null);
        Assert.Equal(today.Revenue, current.Today);
        Assert.Equal(lastWeekWholeDay.Revenue, pace.Series[^1].LastWeek);
        Assert.All(pace.Series.SkipWhile(p => p.Today is not null), p => Assert.Null(p.Today));
        Assert.Equal((int)((now - day.Start).TotalMinutes / 15), pace.Series.ToList().IndexOf(current));
        var local = calendar.Chain.LocalTime(now);
        Assert.Equal($"{local.Hour:00}:{local.Minute / 15 * 15:00}", current.Time);
        if (current != pace.Series[^1]) Assert.Contains(@"""today"":null", response.Body, StringComparison.Ordinal);   // written, not left out
    }

    [Fact]
    public async Task MoneyIsANumberWithTwoDecimals()
    {
        var bodies = new[] { "/summary", "/leaderboards/theaters", "/theaters/1/movies", "/pace" };
        foreach (var url in bodies)
        {
            var body = (await OkAsync(url)).Body;
            var amounts = Regex.Matches(body, @"""(revenue|average_ticket_price|today|last_week)"":(?<amount>[-0-9.eE]+)");
            Assert.NotEmpty(amounts);
            Assert.All(amounts, m => Assert.Matches(@"^\d+\.\d\d$", m.Groups["amount"].Value));
        }
    }

    [Fact]
    public async Task TheOriginalCommandsStillWork()
    {
        // curl http://localhost:8001/theaters, …/theaters/1/movies, curl http://localhost:8002/top-theater/<date>
        Assert.Equal(30, (await OkAsync("/theaters")).As<Theater[]>().Length);
        Assert.NotEmpty((await OkAsync("/theaters/1/movies")).As<TheaterMovieSales[]>());
        Assert.Equal(Sales.Today, (await OkAsync($"/top-theater/{Today}")).As<TopTheater>().SaleDate);
    }

    [Fact]
    public async Task TheLiveStreamSendsTodaysTotalsAtOnce()
    {
        await using var stream = await LiveStream.OpenAsync(Client);

        var totals = await stream.NextTotalsAsync();

        var expected = Sales.Summary(Sales.Today, Sales.Today);
        Assert.Equal((Sales.Today, expected.Revenue, expected.Tickets, expected.Sales), (totals.Date, totals.Revenue, totals.TicketsSold, totals.SalesCount));
        Assert.Equal(Math.Round(Sales.SalesInLastFiveMinutes() / 5.0, 2), totals.SalesPerMinute);
        Assert.Equal(Sales.TheaterLeaderboard(Sales.Today, 5), totals.TopTheaters);
        Assert.Equal(Sales.MovieLeaderboard(Sales.Today, 5), totals.TopMovies);
        Assert.Equal(Sales.Now.UtcDateTime, totals.AsOf.UtcDateTime, TimeSpan.FromMilliseconds(1));
    }

    public static TheoryData<string, string> MalformedRequests() => new()
    {
        { "/theaters/abc", "'abc' is not a theater id" },
        { "/theaters/0", "'0' is not a theater id" },
        { "/theaters/-1", "'-1' is not a theater id" },
        { "/theaters/+1", "'+1' is not a theater id" },
        { "/theaters/1.5", "'1.5' is not a theater id" },
        { "/theaters/0x1F", "'0x1F' is not a theater id" },
        { "/theaters/99999999999999999999", "is not a theater id" },
        { "/theaters/2147483648", "is not a theater id" },
        { "/theaters/%20", "is not a theater id" },
        { "/theaters/%D9%A1", "'١' is not a theater id" },
        { "/theaters/%F0%9F%8E%AC", "is not a theater id" },
        { "/theaters/1;drop%20table%20sales/movies", "is not a theater id" },
        { "/theaters/abc/showtimes", "is not a theater id" },
        { "/theaters/0/hours", "'0' is not a theater id" },
        { "/theaters/1/hours?date=2025-02-30", "date '2025-02-30' is not a date" },
        { "/theaters/1/movies?from=2025-13-01", "from '2025-13-01' is not a date" },
        { "/theaters/1/movies?to=yesterday", "to 'yesterday' is not a date" },
        { "/theaters/1/movies?from=2025-03-02&to=2025-03-01", "from (2025-03-02) is after to (2025-03-01)" },
        { "/theaters/1/movies?from=2024-01-01&to=2025-01-01", "367 days; at most 366" },
        { "/theaters/1/movies?from=0001-01-01&to=9999-12-31", "at most 366" },
        { "/theaters/1/movies?from=2099-01-01", "is after to" },
        { "/theaters/1/showtimes?date=2025-02-30", "date '2025-02-30' is not a date" },
        { "/theaters/1/showtimes?date=2025-1-1", "is not a date" },
        { "/top-theater/not-a-date", "date 'not-a-date' is not a date" },
        { "/top-theater/2025-01-01T00:00", "is not a date" },
        { "/top-theater/%D9%A2%D9%A0%D9%A2%D9%A5-01-01", "is not a date" },
        { "/top-theater/" + new string('9', 200), "…' is not a date" },
        { "/movies/x/sales", "'x' is not a movie id" },
        { "/movies/1/sales?from=2025-01-01&to=2024-01-01", "is after to" },
        { "/leaderboards/theaters?limit=0", "limit '0' is not allowed" },
        { "/leaderboards/theaters?limit=101", "limit '101' is not allowed" },
        { "/leaderboards/theaters?limit=-1", "limit '-1' is not allowed" },
        { "/leaderboards/theaters?limit=1e2", "limit '1e2' is not allowed" },
        { "/leaderboards/theaters?limit=99999999999", "is not allowed" },
        { "/leaderboards/theaters?limit=1&limit=2", "limit '1,2' is not allowed" },
        { "/leaderboards/movies?limit=ten", "limit 'ten' is not allowed" },
        { "/leaderboards/movies?date=14/03/2025", "date '14/03/2025' is not a date" },
        { "/summary?from=nope", "from 'nope' is not a date" },
        { "/summary?from=2025-01-02&to=2025-01-01", "is after to" },
        { "/summary?from=0001-01-01&to=9999-12-31", "at most 366" },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task AMalformedValueIsABadRequestProblemThatSaysWhatWasWrong(string url, string detail)
    {
        var response = await Client.FetchAsync(url);

        Assert.True(response.Status == HttpStatusCode.BadRequest, response.ToString());
        Assert.Equal("application/problem+json", response.MediaType);
        Assert.Contains(detail, response.Node["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(400, response.Node["status"]!.GetValue<int>());
        Assert.NotNull(response.Node["title"]);
    }

    public static TheoryData<string, string> UnknownThings() => new()
    {
        { "/theaters/31", "No theater has id 31." },
        { "/theaters/2147483647", "No theater has id 2147483647." },
        { "/theaters/31/movies", "No theater has id 31." },
        { "/theaters/999/showtimes?date=2025-01-01", "No theater has id 999." },
        { "/theaters/31/hours", "No theater has id 31." },
        { "/movies/999/sales", "No movie has id 999." },
        { "/top-theater/9999-12-31", "Nothing was sold on 9999-12-31." },
        { "/top-theater/0001-01-01", "Nothing was sold on 0001-01-01." },
    };

    [Theory]
    [MemberData(nameof(UnknownThings))]
    public async Task AnUnknownIdOrADateWithoutSalesIsANotFoundProblem(string url, string detail)
    {
        var response = await Client.FetchAsync(url);

        Assert.True(response.Status == HttpStatusCode.NotFound, response.ToString());
        Assert.Equal("application/problem+json", response.MediaType);
        Assert.Equal(detail, response.Node["detail"]!.GetValue<string>());
    }

    public static TheoryData<string> OddButValidRequests() =>
    [
        "/theaters/01",
        "/theaters/1/movies?to=0001-01-05",
        "/theaters/1/movies?from=&to=",
        "/theaters/1/showtimes?date=9999-12-31",
        "/theaters/1/showtimes?date=0001-01-01",
        "/movies/1/sales?from=9999-12-31&to=9999-12-31",
        "/leaderboards/theaters?date=0001-01-01&limit=100",
        "/leaderboards/movies?limit=001",
        "/summary?from=9999-12-31&to=9999-12-31",
        "/summary?to=0001-01-01",
        "/theaters?unknown=%00",
    ];

    [Theory]
    [MemberData(nameof(OddButValidRequests))]
    public async Task OddButValidValuesAreAnswered(string url)
    {
        var response = await Client.FetchAsync(url);

        Assert.True(response.Status == HttpStatusCode.OK, response.ToString());
    }

    [Fact]
    public async Task APathWithANullCharacterIsRefusedByTheServerNotAnError()
    {
        // Kestrel itself refuses a %00 in the path (400) before any middleware runs, so there is no problem body.
        await using var host = world.StartHost(Backend, new ApiSettings(world.Postgres, world.Redis, Kestrel: true));

        var response = await host.Client.FetchAsync("/theaters/1%00");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
    }

    public static TheoryData<string, string> RequestsNoRouteServes() => new()
    {
        { "GET", "/nowhere" },
        { "GET", "/theaters//movies" },
        { "GET", "/top-theater/" },
        { "GET", "/theaters/1/movies/extra" },
        { "POST", "/theaters" },
        { "DELETE", "/theaters/1" },
        { "PUT", "/summary" },
    };

    [Theory]
    [MemberData(nameof(RequestsNoRouteServes))]
    public async Task WhatNoRouteServesIsAProblemToo(string method, string url)
    {
        var response = await Client.SendForResponseAsync(new HttpRequestMessage(new HttpMethod(method), url));

        Assert.True((int)response.Status is 404 or 405, response.ToString());
        Assert.Equal("application/problem+json", response.MediaType);
    }
}

public sealed class DapperApiContractTests(ApiWorld world) : ApiContractTests(world)
{
    protected override Backend Backend => Backend.Dapper;
    protected override string Role => Roles.Viewer;
}

public sealed class EfApiContractTests(ApiWorld world) : ApiContractTests(world)
{
    protected override Backend Backend => Backend.Ef;
    protected override string Role => Roles.Viewer;
}

public sealed class DapperApiContractTestsAsOperator(ApiWorld world) : ApiContractTests(world)
{
    protected override Backend Backend => Backend.Dapper;
    protected override string Role => Roles.Operator;
}

public sealed class EfApiContractTestsAsOperator(ApiWorld world) : ApiContractTests(world)
{
    protected override Backend Backend => Backend.Ef;
    protected override string Role => Roles.Operator;
}

public sealed class DapperApiContractTestsAsAdmin(ApiWorld world) : ApiContractTests(world)
{
    protected override Backend Backend => Backend.Dapper;
    protected override string Role => Roles.Admin;
}

public sealed class EfApiContractTestsAsAdmin(ApiWorld world) : ApiContractTests(world)
{
    protected override Backend Backend => Backend.Ef;
    protected override string Role => Roles.Admin;
}
