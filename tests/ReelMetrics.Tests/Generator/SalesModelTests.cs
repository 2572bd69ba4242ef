using ReelMetrics.Contracts;
using ReelMetrics.Contracts.Catalog;
using ReelMetrics.Database.Catalog;
using ReelMetrics.Generator.Sales;

namespace ReelMetrics.Tests.Generator;

/// <summary>The pure sales model: which showtime, how many tickets, which channel, what price — from a seed and a clock.</summary>
public sealed class SalesModelTests
{
    // A Thursday in November: US theaters are on standard time (Los Angeles UTC−8, New York UTC−5).
    private static readonly DateOnly Today = new(2026, 11, 19);

    private static DateTimeOffset LosAngeles(DateOnly date, int hour, int minute = 0) =>
        new(date.ToDateTime(new TimeOnly(hour, minute)), TimeSpan.FromHours(-8));

    [Fact]
    public void TheSameSeedAndClockGiveTheSameSales()
    {
        var first = Sell(NewSeedModel(seed: 42), 2_000, LosAngeles(Today, 9));
        var second = Sell(NewSeedModel(seed: 42), 2_000, LosAngeles(Today, 9));
        var other = Sell(NewSeedModel(seed: 43), 2_000, LosAngeles(Today, 9));

        Assert.Equal(first, second);
        Assert.NotEqual(first.Select(s => s.EventId), other.Select(s => s.EventId));
        Assert.NotEqual(first.Select(s => s.ShowtimeId), other.Select(s => s.ShowtimeId));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AShowtimeNeverSellsMoreTicketsThanItHasSeats(bool burst)
    {
        var capacities = Enumerable.Range(0, 60).Select(i => 1 + i % 3).ToArray();   // 1, 2 or 3 seats
        var catalog = TinyCatalog(capacities.Select((capacity, i) => (Today.AddDays(1 + i % 2), 19, capacity, 1)));
        var model = new SalesModel(catalog, SeatInventory.For(catalog), new Random(7), burst);

        var sales = new List<TicketSold>();
        while (model.NextSale(LosAngeles(Today, 12)) is { } sale) sales.Add(sale);

        var soldPerShowtime = sales.GroupBy(s => s.ShowtimeId).ToDictionary(g => g.Key, g => g.Sum(s => s.TicketsSold));
        Assert.All(catalog.Showtimes, s => Assert.Equal(s.Showtime.Capacity, soldPerShowtime[s.Showtime.ShowtimeId]));
        Assert.Equal(catalog.Showtimes.Count, model.Seats.SoldOutShowtimes);
        Assert.Null(model.NextSale(LosAngeles(Today, 12)));
    }

    [Fact]
    public void SeatsAlreadySoldAreNotSoldAgain()
    {
        var catalog = TinyCatalog([(Today.AddDays(1), 19, 100, 1), (Today.AddDays(1), 19, 100, 1)]);
        var seats = SeatInventory.For(catalog);
        seats.SetAlreadySold(0, 100);
        seats.SetAlreadySold(1, 96);
        var model = new SalesModel(catalog, seats, new Random(1));

        var sales = new List<TicketSold>();
        while (model.NextSale(LosAngeles(Today, 12)) is { } sale) sales.Add(sale);

        Assert.All(sales, s => Assert.Equal(catalog.Showtimes[1].Showtime.ShowtimeId, s.ShowtimeId));
        Assert.Equal(4, sales.Sum(s => s.TicketsSold));
    }

    [Fact]
    public void SeatsOfAnUndeliveredSaleGoBackOnSale()
    {
        var catalog = TinyCatalog([(Today.AddDays(1), 19, 2, 1)]);
        var model = new SalesModel(catalog, SeatInventory.For(catalog), new Random(3));
        var now = LosAngeles(Today, 12);
        var sales = new List<TicketSold>();
        while (model.NextSale(now) is { } sale) sales.Add(sale);
        Assert.Equal(2, sales.Sum(s => s.TicketsSold));

        model.Cancel(sales[^1]);

        Assert.Equal(sales[^1].TicketsSold, model.Seats.Remaining(0));
        Assert.NotNull(model.NextSale(now));
    }

    [Fact]
    public void EveningsSellMoreThanMorningsAndWeekendsMoreThanWeekdays()
    {
        var model = NewSeedModel(seed: 5);

        var thursdayMorning = model.RateMultiplier(LosAngeles(Today, 10));
        var thursdayEvening = model.RateMultiplier(LosAngeles(Today, 17));   // 17:00 in Los Angeles, 20:00 in New York
        var saturdayEvening = model.RateMultiplier(LosAngeles(Today.AddDays(2), 17));
        var night = model.RateMultiplier(LosAngeles(Today, 3));

        Assert.True(thursdayEvening > 2 * thursdayMorning, $"evening {thursdayEvening} vs morning {thursdayMorning}");
        Assert.True(saturdayEvening > thursdayEvening, $"Saturday {saturdayEvening} vs Thursday {thursdayEvening}");
        Assert.True(night < thursdayMorning, $"night {night} vs morning {thursdayMorning}");
    }

    [Fact]
    public void APacedHourInTheEveningSellsMoreThanOneInTheMorning()
    {
        int SalesInHourFrom(int hour)
        {
            var model = NewSeedModel(seed: 9);
            var pacer = new SalesPacer();
            var sales = 0;
            for (var second = 0; second < 3600; second++)
            {
                var now = LosAngeles(Today, hour).AddSeconds(second);
                for (var due = pacer.Take(TimeSpan.FromSeconds(1), 5 * model.RateMultiplier(now)); due > 0; due--)
                {
                    Assert.NotNull(model.NextSale(now));
                    sales++;
                }
            }
            return sales;
        }

        var morning = SalesInHourFrom(9);
        var evening = SalesInHourFrom(17);

        Assert.True(evening > 2 * morning, $"evening {evening} vs morning {morning}");
    }

    [Fact]
    public void PopularMoviesSellMore()
    {
        // Two movies with the same showtimes; one twice as popular.
        var showtimes = Enumerable.Range(0, 20).SelectMany(i => new[]
        {
            (Today.AddDays(1 + i % 5), 19, 10_000, 1),
            (Today.AddDays(1 + i % 5), 19, 10_000, 2),
        });
        var catalog = TinyCatalog(showtimes, popularity: [2.0f, 1.0f]);
        var model = new SalesModel(catalog, SeatInventory.For(catalog), new Random(11), burst: true);

        var sales = Sell(model, 20_000, LosAngeles(Today, 12));

        var popular = sales.Where(s => s.MovieId == 1).Sum(s => s.TicketsSold);
        var other = sales.Where(s => s.MovieId == 2).Sum(s => s.TicketsSold);
        Assert.InRange((double)popular / other, 1.8, 2.2);
    }

    [Fact]
    public void BoxOfficeAndKioskSellOnlyForTodaysShowtimes()
    {
        var catalog = TinyCatalog([(Today, 19, 100_000, 1), (Today.AddDays(1), 19, 100_000, 1), (Today.AddDays(3), 19, 100_000, 1)]);
        var model = new SalesModel(catalog, SeatInventory.For(catalog), new Random(13));

        var sales = Sell(model, 5_000, LosAngeles(Today, 15));

        var today = sales.Where(s => s.SaleDate == Today).ToList();
        var later = sales.Where(s => s.SaleDate > Today).ToList();
        Assert.NotEmpty(later);
        Assert.All(later, s => Assert.Equal(SalesChannel.Online, s.Channel));
        Assert.Equal(
            [SalesChannel.Online, SalesChannel.BoxOffice, SalesChannel.Kiosk],
            today.Select(s => s.Channel).Distinct().Order());
        Assert.InRange(today.Count(s => s.Channel == SalesChannel.Online) / (double)today.Count, 0.45, 0.65);
    }

    [Fact]
    public void TicketsCostTheShowtimesBasePricePlusAFeeOnline()
    {
        var model = NewSeedModel(seed: 17);
        var basePrices = model.Catalog.Showtimes.ToDictionary(s => s.Showtime.ShowtimeId, s => s.Showtime.BasePrice);

        var sales = Sell(model, 5_000, LosAngeles(Today, 9));

        Assert.All(sales, s => Assert.Equal(
            basePrices[s.ShowtimeId] + (s.Channel == SalesChannel.Online ? SalesModel.OnlineFee : 0m),
            s.TicketPrice));
        Assert.Contains(sales, s => s.TicketPrice == 9.75m);             // weekday matinee at the box office
        Assert.Contains(sales, s => s.TicketPrice == 13.50m + 6.00m + 1.00m + 1.50m);   // weekend IMAX evening, online
    }

    [Fact]
    public void MostSalesAreForOneOrTwoTicketsAndNoneForMoreThanEight()
    {
        var sales = Sell(NewSeedModel(seed: 19), 20_000, LosAngeles(Today, 12));

        Assert.All(sales, s => Assert.InRange(s.TicketsSold, 1, SalesModel.MaxTicketsPerSale));
        Assert.InRange(sales.Count(s => s.TicketsSold <= 2) / (double)sales.Count, 0.65, 0.75);
        Assert.Contains(sales, s => s.TicketsSold == SalesModel.MaxTicketsPerSale);
    }

    [Fact]
    public void NormalModeSellsOnlyShowtimesThatHaveNotStartedMostlyForTheNextDays()
    {
        var model = NewSeedModel(seed: 23);
        var startsAt = model.Catalog.Showtimes.ToDictionary(s => s.Showtime.ShowtimeId, s => s.StartsAtUtc);
        var now = LosAngeles(Today, 14);

        var sales = Sell(model, 10_000, now);

        Assert.All(sales, s => Assert.True(startsAt[s.ShowtimeId] > now, $"showtime {s.ShowtimeId} had started"));
        var leadHours = sales.Select(s => (startsAt[s.ShowtimeId] - now).TotalHours).Order().ToList();
        Assert.True(leadHours[leadHours.Count / 2] < 48, $"median lead time {leadHours[leadHours.Count / 2]:0} h");
        Assert.Contains(leadHours, h => h > 5 * 24);   // a tail a week ahead
    }

    [Fact]
    public void BurstModeSellsEveryShowtimeOfTheWindowPastAndFuture()
    {
        var model = NewSeedModel(seed: 29, burst: true);
        var now = LosAngeles(Today, 14);
        var startsAt = model.Catalog.Showtimes.ToDictionary(s => s.Showtime.ShowtimeId, s => s.StartsAtUtc);

        var sales = Sell(model, 10_000, now);

        Assert.Contains(sales, s => startsAt[s.ShowtimeId] < now.AddDays(-6));
        Assert.Contains(sales, s => startsAt[s.ShowtimeId] > now.AddDays(6));
        Assert.Equal(1.0, model.RateMultiplier(now));
    }

    [Fact]
    public void AMillionBurstSalesLeaveMostOfTheWindowUnsold()
    {
        // 30 theaters, 333 screens, 5 shows a day for 15 days: 24,975 showtimes and 5,121,000 seats; plus the midnight
        // screenings of the window's 4 Friday and Saturday nights on each theater's first two screens (240 more).
        // At about 2.36 tickets a sale, a million sales take about 2.36 million seats: under half.
        var model = NewSeedModel(seed: 42, burst: true);
        var midnightSeats = SeedCatalog.Screens.Where(s => s.ScreenId % 100 <= 2).Sum(s => s.Capacity) * 4;
        Assert.Equal(24_975 + 240, model.Catalog.Showtimes.Count);
        Assert.Equal(5_121_000 + midnightSeats, model.Seats.TotalRemaining());
        var now = LosAngeles(Today, 12);

        long tickets = 0;
        for (var i = 0; i < 1_000_000; i++)
        {
            tickets += model.NextSale(now)!.TicketsSold;
        }

        Assert.InRange(tickets, 2_200_000, 2_500_000);
        Assert.True(model.Seats.SoldOutShowtimes < 0.05 * model.Catalog.Showtimes.Count, $"{model.Seats.SoldOutShowtimes} showtimes sold out");
    }

    [Fact]
    public void EventIdsAreUniqueTimeOrderedVersion7Uuids()
    {
        var sales = Sell(NewSeedModel(seed: 31), 10_000, LosAngeles(Today, 12));

        Assert.Equal(sales.Count, sales.Select(s => s.EventId).Distinct().Count());
        Assert.All(sales, s =>
        {
            Assert.Equal(7, s.EventId.Version);
            Assert.Equal(0b10, s.EventId.ToByteArray(bigEndian: true)[8] >> 6);   // the RFC variant
            // The first 48 bits are the millisecond of the sale (big-endian), so ids sort as the sales were made.
            var bytes = s.EventId.ToByteArray(bigEndian: true);
            var unixMs = bytes.Take(6).Aggregate(0L, (ms, b) => (ms << 8) | b);
            Assert.Equal(s.SoldAt.ToUnixTimeMilliseconds(), unixMs);
        });
    }

    [Fact]
    public void ASaleCarriesItsShowtimesTheaterMovieAndBusinessDate()
    {
        var model = NewSeedModel(seed: 37);
        var now = LosAngeles(Today, 12);
        var sale = model.NextSale(now)!;

        var showtime = model.Catalog.Showtimes.Single(s => s.Showtime.ShowtimeId == sale.ShowtimeId);
        Assert.Equal(showtime.Theater.TheaterId, sale.TheaterId);
        Assert.Equal(showtime.Theater.Name, sale.TheaterName);
        Assert.Equal(showtime.Movie.MovieId, sale.MovieId);
        Assert.Equal(showtime.Movie.Title, sale.MovieTitle);
        Assert.Equal(showtime.Showtime.StartsAt, sale.Showtime);
        Assert.Equal(showtime.Showtime.BusinessDate, sale.SaleDate);
        Assert.Equal(now, sale.SoldAt);
        Assert.Equal(TimeSpan.Zero, sale.SoldAt.Offset);
        Assert.Equal("USD", sale.Currency);
    }

    [Fact]
    public void AMidnightScreeningIsSoldOnTheEveningBeforesDateAndAtTheBoxOfficeThatEvening()
    {
        // Friday 2026-11-20, 23:45 in Los Angeles: the 00:30 screenings are Friday's, starting in 45 minutes.
        var friday = new DateOnly(2026, 11, 20);
        var sales = Sell(NewSeedModel(seed: 7), 20_000, LosAngeles(friday, 23, 45));

        var midnight = sales.Where(s => s.Showtime.TimeOfDay == new TimeSpan(0, 30, 0) && s.Showtime.Date == new DateTime(2026, 11, 21)).ToList();
        Assert.NotEmpty(midnight);
        Assert.All(midnight, s => Assert.Equal(friday, s.SaleDate));
        var losAngeles = midnight.Where(s => SeedCatalog.Theaters.Single(t => t.TheaterId == s.TheaterId).TimeZone == "America/Los_Angeles").ToList();
        Assert.Contains(losAngeles, s => s.Channel != SalesChannel.Online);   // "today's" show for the box office
    }

    private static SalesModel NewSeedModel(int seed, bool burst = false)
    {
        var catalog = SalesCatalog.FromSeed(Today);
        return new SalesModel(catalog, SeatInventory.For(catalog), new Random(seed), burst);
    }

    private static List<TicketSold> Sell(SalesModel model, int count, DateTimeOffset now)
    {
        var sales = new List<TicketSold>(count);
        for (var i = 0; i < count; i++)
        {
            sales.Add(model.NextSale(now) ?? throw new InvalidOperationException($"sold out after {i} sales"));
        }
        return sales;
    }

    /// <summary>One Los Angeles theater; showtimes as (business date, local hour, capacity, movie id); base price 10.</summary>
    private static SalesCatalog TinyCatalog(IEnumerable<(DateOnly Date, int Hour, int Capacity, int MovieId)> showtimes, float[]? popularity = null)
    {
        Theater[] theaters = [new(1, "Test Cinema", "Los Angeles", "America/Los_Angeles")];
        Movie[] movies =
        [
            new(1, "Popular", "Drama", "PG", 120, new(2020, 1, 1), popularity?[0] ?? 1.0f),
            new(2, "Niche", "Drama", "PG", 120, new(2020, 1, 1), popularity?[1] ?? 1.0f),
        ];
        var list = showtimes.Select((s, i) => new Showtime(
            ShowtimeId: 1000 + i, TheaterId: 1, ScreenId: 101 + i, s.MovieId,
            s.Date.ToDateTime(new TimeOnly(s.Hour, 0)), s.Date, s.Capacity, 10.00m));
        return new SalesCatalog(theaters, movies, list);
    }
}
