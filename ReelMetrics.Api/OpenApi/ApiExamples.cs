using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.OpenApi;

/// <summary>Sample answers for the OpenAPI document (figures from the seed catalog, amounts made up).</summary>
internal static class ApiExamples
{
    private static readonly DateOnly Date = new(2025, 3, 14);

    public static readonly Theater Theater = new(1, "AMC Century City", "Los Angeles", "America/Los_Angeles", 13, 2300);

    public static readonly Theater[] Theaters =
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

    public static readonly Showtime[] Showtimes =
    [
        new(10_218_990, 28, "Barbie", "Screen 2", "dolby", new DateTimeOffset(2025, 3, 14, 11, 0, 0, TimeSpan.FromHours(-7)), 140, 57, 0.4071),
        new(10_218_993, 28, "Barbie", "Screen 2", "dolby", new DateTimeOffset(2025, 3, 14, 19, 15, 0, TimeSpan.FromHours(-7)), 140, 131, 0.9357),
    ];

    public static readonly TheaterHourSales[] TheaterHours =
    [
        new(18, 164, 2_397.50m, 71),
        new(19, 231, 3_412.25m, 96),
    ];

    public static readonly TopTheater TopTheater = new(Date, 7, "AMC River East", 18_412.75m, 1240);

    public static readonly Movie[] Movies =
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

    public static readonly SalesPace SalesPace = new(new DateTimeOffset(2025, 3, 14, 18, 2, 11, TimeSpan.Zero), Date, Date.AddDays(-7),
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

    private static readonly DeadLetterSummary UnknownTheaterLetter = new(4_211, new DateTimeOffset(2025, 3, 14, 18, 2, 11, TimeSpan.Zero),
        "unknown_theater", "no theater with id 31", "dead", 31, "ticket-sales", 2, 918_220, "31", 188,
        """{"event_id":"0b7c…","theater_id":31,"movie_id":28,"showtime_id":10218990,"tickets_sold":2}""", false,
        null, 0, null, null, null, null, null);

    public static readonly DeadLetterPage DeadLetters = new([UnknownTheaterLetter], 4_211);

    public static readonly DeadLetterDetail DeadLetter = new(UnknownTheaterLetter, new Guid("8d0f5a52-3b55-8c1e-9a51-6f0e2b7d4c11"),
        """{"event_id":"0b7c…","theater_id":31,"movie_id":28,"showtime_id":10218990,"tickets_sold":2}""", false, "7b 22 65 76 65 6e 74 5f 69 64 22 3a …");

    public static readonly DeadLetterReasonCount[] DeadLetterReasons =
    [
        new("invalid_json", "dead", 3),
        new("unknown_theater", "dead", 12),
        new("unknown_theater", "replayed", 40),
    ];

    public static readonly DeadLetterActionAnswer DeadLettersReplayed = new(1,
        [new(4_211, "replay_requested", "replay_requested"), new(4_100, "unchanged", "replayed"), new(9_999_999, "not_found", null)]);

    public static readonly DeadLetterActionAnswer DeadLettersDiscarded = new(1, [new(4_212, "discarded", "discarded")]);

    public static readonly PipelineStatus Status = new(
        new DateTimeOffset(2025, 3, 14, 19, 42, 7, 120, TimeSpan.Zero), PipelineStates.Live, "Consumers are running and keeping up.",
        new NewestSale(new DateTimeOffset(2025, 3, 14, 19, 42, 6, 310, TimeSpan.Zero), new DateTimeOffset(2025, 3, 14, 19, 42, 6, 402, TimeSpan.Zero), 0.8),
        0, 212, 1, new DateTimeOffset(2025, 3, 14, 19, 42, 6, 950, TimeSpan.Zero),
        [new DeadLetterCount("unknown_theater", 3), new DeadLetterCount("malformed", 1)],
        new StatusThresholds(15, 30, 1000, 10));

    public static readonly Alert[] Alerts =
    [
        new(42, "sell_out_watch", "showtime:10218993", AlertSeverities.Info,
            "Barbie at AMC Century City, 19:15, is 93 % sold (131 of 140 seats).",
            System.Text.Json.JsonDocument.Parse("""{"movie": "Barbie", "theater": "AMC Century City", "capacity": 140, "occupancy": 0.9357, "theater_id": 1, "showtime_id": 10218993, "tickets_sold": 131}""").RootElement,
            new DateTimeOffset(2025, 3, 14, 18, 2, 15, TimeSpan.Zero), null),
        new(41, "pipeline_stalled", "pipeline", AlertSeverities.Critical,
            "The pipeline is stalled: No consumer has reported since 17:28:44 UTC (more than 15 s): nothing is being ingested.",
            System.Text.Json.JsonDocument.Parse("""{"consumers": 0, "consumer_lag": 0}""").RootElement,
            new DateTimeOffset(2025, 3, 14, 17, 30, 0, TimeSpan.Zero), new DateTimeOffset(2025, 3, 14, 17, 31, 45, TimeSpan.Zero)),
    ];
}
