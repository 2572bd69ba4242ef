using ReelMetrics.Generator.Sales;

namespace ReelMetrics.Tests.Generator;

public sealed class SalesPacerTests
{
    [Fact]
    public void TwentySalesASecondOverTenMillisecondTicksIsTwentySalesASecond()
    {
        var pacer = new SalesPacer();

        var sales = Enumerable.Range(0, 1_000).Sum(_ => pacer.Take(TimeSpan.FromMilliseconds(10), 20));

        Assert.InRange(sales, 199, 200);
    }

    [Fact]
    public void HighRatesAreMetTickByTick()
    {
        var pacer = new SalesPacer();

        var perTick = Enumerable.Range(0, 100).Select(_ => pacer.Take(TimeSpan.FromMilliseconds(10), 50_000)).ToList();

        Assert.All(perTick, due => Assert.InRange(due, 499, 501));
        Assert.InRange(perTick.Sum(), 49_999, 50_000);
    }

    [Fact]
    public void AStallIsCaughtUpByAtMostOneSecondOfSales()
    {
        var pacer = new SalesPacer();

        var due = pacer.Take(TimeSpan.FromSeconds(30), 100);

        Assert.Equal(100, due);
    }

    [Fact]
    public void TimestampsFromTheClockDriveThePace()
    {
        var pacer = new SalesPacer();
        var clock = TimeProvider.System;
        var start = clock.GetTimestamp();

        Assert.Equal(0, pacer.Take(start, 1_000, clock));
        var due = pacer.Take(start + clock.TimestampFrequency / 10, 1_000, clock);   // 100 ms later

        Assert.InRange(due, 99, 100);
    }
}
