using System.Net;
using Microsoft.Extensions.Time.Testing;
using ReelMetrics.Api.Security;
using ReelMetrics.Contracts;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Tests.Api;

/// <summary>
/// <c>POST /live/tickets</c> and <c>GET /live?ticket=…</c>: a browser's way into the stream. A ticket opens one stream,
/// as its user, within 30 seconds; the bearer header keeps working for clients that can send it.
/// </summary>
public sealed class LiveTicketTests(ApiWorld world) : IClassFixture<ApiWorld>
{
    private static async Task<LiveTicket> TicketAsync(HttpClient client)
    {
        var response = await client.SendForResponseAsync(new HttpRequestMessage(HttpMethod.Post, "/live/tickets"));
        Assert.True(response.Status == HttpStatusCode.OK, response.ToString());
        return response.As<LiveTicket>();
    }

    private static string Live(LiveTicket ticket) => $"/live?ticket={Uri.EscapeDataString(ticket.Ticket)}";

    [Theory]
    [InlineData(Backend.Dapper)]
    [InlineData(Backend.Ef)]
    public async Task ATicketOpensTheStreamOnceWithoutAnyHeader(Backend backend)
    {
        var host = world.Host(backend);
        var ticket = await TicketAsync(host.Client);

        await using (var stream = await LiveStream.OpenAsync(host.Anonymous, Live(ticket)))
        {
            Assert.Equal("text/event-stream", stream.MediaType);
            Assert.Equal(world.Sales.Today, (await stream.NextTotalsAsync()).Date);
        }
        var again = await host.Anonymous.FetchAsync(Live(ticket));

        Assert.Equal(HttpStatusCode.Unauthorized, again.Status);
        Assert.Equal("application/problem+json", again.MediaType);
        Assert.Equal(world.Clock.GetUtcNow() + LiveTickets.Lifetime, ticket.ExpiresAt);
        Assert.True(ticket.Ticket.Length >= 40, "a ticket must not be guessable");
    }

    [Fact]
    public async Task ATicketExpiresAfterThirtySeconds()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = ApiHost.Start(Backend.Dapper, new ApiSettings(world.Postgres, world.Redis), clock);
        var late = await TicketAsync(host.Client);
        var inTime = await TicketAsync(host.Client);

        clock.Advance(LiveTickets.Lifetime - TimeSpan.FromSeconds(1));
        await using (await LiveStream.OpenAsync(host.Anonymous, Live(inTime))) { }
        clock.Advance(TimeSpan.FromSeconds(1));
        var expired = await host.Anonymous.FetchAsync(Live(late));

        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
    }

    [Fact]
    public async Task AnotherUserCannotUseATicketAndItIsUsedUpByTheAttempt()
    {
        var host = world.Host(Backend.Ef);
        var viewers = await TicketAsync(host.Client);

        var byOperator = await host.ClientAs(Roles.Operator).FetchAsync(Live(viewers));
        var byViewerAfterwards = await host.Anonymous.FetchAsync(Live(viewers));

        Assert.Equal(HttpStatusCode.Unauthorized, byOperator.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, byViewerAfterwards.Status);
    }

    [Fact]
    public async Task ATicketWithItsOwnUsersTokenOpensTheStream()
    {
        var host = world.Host(Backend.Dapper);
        var ticket = await TicketAsync(host.Client);

        await using var stream = await LiveStream.OpenAsync(host.Client, Live(ticket));

        Assert.Equal("text/event-stream", stream.MediaType);
    }

    [Theory]
    [InlineData(Backend.Dapper)]
    [InlineData(Backend.Ef)]
    public async Task TheBearerHeaderStillOpensTheStream(Backend backend)
    {
        await using var stream = await LiveStream.OpenAsync(world.Host(backend).ClientAs(Roles.Admin));

        Assert.Equal(world.Sales.Today, (await stream.NextTotalsAsync()).Date);
    }

    [Theory]
    [InlineData("/live?ticket=made-up")]
    [InlineData("/live?ticket=")]
    [InlineData("/live?ticket=a&ticket=b")]
    public async Task AMadeUpTicketIsRefused(string url)
    {
        var response = await world.Host(Backend.Dapper).Anonymous.FetchAsync(url);

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("application/problem+json", response.MediaType);
    }

    [Fact]
    public async Task OnlyASignedInViewerGetsATicket()
    {
        var host = world.Host(Backend.Dapper);

        var anonymous = await host.Anonymous.SendForResponseAsync(new HttpRequestMessage(HttpMethod.Post, "/live/tickets"));
        var withoutRole = await host.ClientAs(TestTokens.NoRole).SendForResponseAsync(new HttpRequestMessage(HttpMethod.Post, "/live/tickets"));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Equal(HttpStatusCode.Forbidden, withoutRole.Status);
    }
}
