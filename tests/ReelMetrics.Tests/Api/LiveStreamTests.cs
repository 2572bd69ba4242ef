using ReelMetrics.Contracts;
using ReelMetrics.Database.Catalog;
using ReelMetrics.Tests.Ingestion;

namespace ReelMetrics.Tests.Api;

/// <summary>
/// <c>GET /live</c> against both backends: an update follows an ingested sale, with Redis notifications and, when
/// Redis is down, by polling PostgreSQL; heartbeats keep the stream open. Each class ingests into its own world.
/// </summary>
public abstract class LiveStreamTests(ApiWorld world) : IClassFixture<ApiWorld>
{
    protected abstract Backend Backend { get; }

    /// <summary>A sale for one of today's showtimes at theater <paramref name="theaterId"/>, sold "now".</summary>
    private TicketSold NewSale(int theaterId, int tickets) =>
        SaleEvents.For(SeedCatalog.ShowtimesOn(world.Sales.Today).First(s => s.TheaterId == theaterId), tickets) with { SoldAt = world.Sales.Now };

    [Fact]
    public async Task AnIngestedSaleIsStreamedAsNewTotals()
    {
        // Over a real Kestrel socket: events must be flushed one by one, not buffered.
        await using var host = world.StartHost(Backend, new ApiSettings(world.Postgres, world.Redis, Kestrel: true));
        await using var stream = await LiveStream.OpenAsync(host.Client);
        var before = await stream.NextTotalsAsync();
        Assert.Equal("text/event-stream", stream.MediaType);
        Assert.Equal("no-cache", stream.CacheControl);

        var sale = NewSale(theaterId: 3, tickets: 4);
        await world.IngestAsync([sale]);

        var after = await stream.TotalsWhenAsync(t => t.SalesCount > before.SalesCount);
        Assert.Equal(before.Revenue + SeededSales.Revenue(sale), after.Revenue);
        Assert.Equal(before.TicketsSold + 4, after.TicketsSold);
        Assert.Equal(before.SalesCount + 1, after.SalesCount);
        Assert.Equal(world.Sales.TheaterLeaderboard(world.Sales.Today, 5), after.TopTheaters);
    }

    [Fact]
    public async Task WithoutRedisTheStreamPollsPostgreSql()
    {
        // Port 1 on the loopback: nothing listens there, so Redis is "down" from the start.
        await using var host = world.StartHost(Backend, new ApiSettings(world.Postgres, "127.0.0.1:1,connectRetry=0"));
        await using var stream = await LiveStream.OpenAsync(host.Client);
        var before = await stream.NextTotalsAsync();

        await world.IngestAsync([NewSale(theaterId: 6, tickets: 2)]);

        var after = await stream.TotalsWhenAsync(t => t.SalesCount > before.SalesCount);
        Assert.Equal(before.TicketsSold + 2, after.TicketsSold);
    }

    [Fact]
    public async Task TheStreamSendsHeartbeats()
    {
        await using var host = world.StartHost(Backend, new ApiSettings(world.Postgres, world.Redis,
            Extra: new Dictionary<string, string> { ["Api:LiveHeartbeat"] = "00:00:00.2" }));
        await using var stream = await LiveStream.OpenAsync(host.Client);

        Assert.Equal("totals", (await stream.NextAsync()).Event);
        Assert.Equal("heartbeat", await stream.NextCommentAsync());
        Assert.Equal("heartbeat", await stream.NextCommentAsync());
    }
}

public sealed class DapperLiveStreamTests(ApiWorld world) : LiveStreamTests(world)
{
    protected override Backend Backend => Backend.Dapper;
}

public sealed class EfLiveStreamTests(ApiWorld world) : LiveStreamTests(world)
{
    protected override Backend Backend => Backend.Ef;
}
