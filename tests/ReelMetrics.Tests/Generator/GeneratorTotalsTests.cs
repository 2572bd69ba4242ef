using ReelMetrics.Contracts;
using ReelMetrics.Generator;

namespace ReelMetrics.Tests.Generator;

public sealed class GeneratorTotalsTests
{
    [Fact]
    public void TotalsAreExactAndBrokenDownBySaleDateAndTheater()
    {
        var totals = new GeneratorTotals(TimeProvider.System);
        var monday = new DateOnly(2026, 11, 16);
        var tuesday = monday.AddDays(1);

        for (var i = 0; i < 3; i++) totals.RecordProduced();
        totals.RecordDelivered(Sale(monday, theaterId: 1, tickets: 3, price: 10.10m));
        totals.RecordDelivered(Sale(monday, theaterId: 2, tickets: 1, price: 0.10m));
        totals.RecordDeliveryFailed();

        for (var i = 0; i < 10; i++) totals.RecordProduced();
        for (var i = 0; i < 10; i++) totals.RecordDelivered(Sale(tuesday, theaterId: 1, tickets: 1, price: 0.10m));

        var snapshot = totals.Snapshot();
        Assert.Equal(12, snapshot.SalesCount);
        Assert.Equal(14, snapshot.TicketsSold);
        Assert.Equal(31.40m, snapshot.Revenue);   // exact: 30.30 + 0.10 + 10 × 0.10
        Assert.Equal(1, snapshot.DeliveryFailures);
        Assert.Equal(0, snapshot.InFlight);
        Assert.Equal(
            [new DateTotals(monday, 2, 4, 30.40m), new DateTotals(tuesday, 10, 10, 1.00m)],
            snapshot.Dates);
        Assert.Equal(
            [new TheaterDateTotals(monday, 1, 1, 3, 30.30m), new TheaterDateTotals(monday, 2, 1, 1, 0.10m), new TheaterDateTotals(tuesday, 1, 10, 10, 1.00m)],
            snapshot.Theaters);
    }

    private static TicketSold Sale(DateOnly date, int theaterId, int tickets, decimal price) => new()
    {
        EventId = Guid.NewGuid(),
        SoldAt = DateTimeOffset.UtcNow,
        TheaterId = theaterId,
        TheaterName = $"Theater {theaterId}",
        MovieId = 1,
        MovieTitle = "The Matrix",
        ShowtimeId = 1,
        Showtime = date.ToDateTime(new TimeOnly(19, 15)),
        SaleDate = date,
        TicketsSold = tickets,
        TicketPrice = price,
        Channel = SalesChannel.Online,
    };
}
