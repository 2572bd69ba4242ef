using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.OpenApi;

/// <summary>Sample answers for the OpenAPI document (figures from the seed catalog, amounts made up).</summary>
internal static class ApiExamples
{
    private static readonly DateOnly Date = new(2025, 3, 14);

    public static readonly TheaterSummary Theater = new(1, "AMC Century City", "Los Angeles", "America/Los_Angeles", 13, 2300);

    public static readonly TheaterSummary[] Theaters =
    [
        Theater,
        new(2, "Regal LA Live", "Los Angeles", "America/Los_Angeles", 9, 1900),
    ];

    public static readonly TheaterMovieSales[] TheaterMovies =
    [
        new(28, "Barbie", Date, 212, 3127.00m),
        new(27, "Oppenheimer", Date, 154, 2233.50m),
        new(28, "Barbie", Date.AddDays(-1), 187, 2758.25m),
    ];

    public static readonly ShowtimeOccupancy[] Showtimes =
    [
        new(10_218_990, 28, "Barbie", "Screen 2", "dolby", new DateTimeOffset(2025, 3, 14, 11, 0, 0, TimeSpan.FromHours(-7)), 140, 57, 0.4071),
        new(10_218_993, 28, "Barbie", "Screen 2", "dolby", new DateTimeOffset(2025, 3, 14, 19, 15, 0, TimeSpan.FromHours(-7)), 140, 131, 0.9357),
    ];

    public static readonly TopTheater TopTheater = new(Date, 7, "AMC River East", 18_412.75m, 1240);

    public static readonly MovieSummary[] Movies =
    [
        new(1, "The Matrix", "Sci-Fi", "R", 136, new DateOnly(1999, 3, 31)),
        new(2, "Jurassic Park", "Adventure", "PG-13", 127, new DateOnly(1993, 6, 11)),
    ];

    public static readonly DailySales[] MovieSales =
    [
        new(Date, 1804, 26_412.50m),
        new(Date.AddDays(-1), 1650, 23_980.00m),
    ];

    public static readonly TheaterRank[] TheaterLeaderboard =
    [
        new(1, 7, "AMC River East", 18_412.75m, 1240),
        new(2, 4, "AMC Lincoln Square", 17_020.00m, 1133),
    ];

    public static readonly MovieRank[] MovieLeaderboard =
    [
        new(1, 28, "Barbie", 41_230.50m, 2811),
        new(2, 8, "Star Wars", 39_877.25m, 2702),
    ];

    public static readonly SalesSummary Summary = new(Date, Date, 412_310.25m, 28_190, 11_804, 14.63m,
    [
        new("online", 231_004.75m, 15_790),
        new("box_office", 123_693.00m, 8_457),
        new("kiosk", 57_612.50m, 3_943),
    ]);

    public static readonly SalesPace Pace = new(new DateTimeOffset(2025, 3, 14, 18, 2, 11, TimeSpan.Zero), Date, Date.AddDays(-7),
        "America/New_York", new RevenueAndTickets(182_400.50m, 12_470), new RevenueAndTickets(165_210.00m, 11_302), 1.1041,
        [
            new PacePoint("06:00", 96_512.00m, 90_498.50m),
            new PacePoint("06:15", 96_790.25m, 90_701.00m),
            new PacePoint("05:45", null, 398_112.75m),
        ]);

    public static readonly BusinessDayNow BusinessDay = new(new DateTimeOffset(2025, 3, 14, 18, 2, 11, TimeSpan.Zero),
        "America/New_York", "06:00", Date, new DateTimeOffset(2025, 3, 14, 10, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 3, 15, 10, 0, 0, TimeSpan.Zero),
        new BusinessWeekDates(Date, Date.AddDays(6), [.. Enumerable.Range(0, 7).Select(Date.AddDays)]),
        new DateTimeOffset(2025, 3, 7, 19, 2, 11, TimeSpan.Zero));

    public static readonly LiveTotals Live = new(new DateTimeOffset(2025, 3, 14, 18, 2, 11, TimeSpan.Zero), Date,
        182_400.50m, 12_470, 5_210, 14.63m, 41.2, TheaterLeaderboard, MovieLeaderboard);
}
