using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReelMetrics.Api.OpenApi;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.Security;

public static class LiveTicketsApi
{
    /// <summary>Maps <c>POST /live/tickets</c>: a single-use ticket for <c>GET /live?ticket=…</c>.</summary>
    public static IEndpointRouteBuilder MapLiveTicketsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/live/tickets", IssueLiveTicket)
            .RequireAuthorization(Policies.Viewer)
            .WithTags("Live")
            .WithName("IssueLiveTicket")
            .WithSummary("A single-use ticket that opens one `GET /live?ticket=…` stream as you, within 30 seconds.")
            .WithDescription("For browsers, whose `EventSource` cannot send an `Authorization` header. Send the bearer token here; put the ticket in the stream's URL. A ticket works once, and only for the user it was issued to.")
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithResponseExample(new LiveTicket("4vJ0c2Vb1nq8Kx3yZr7tQmWd9sLpAe6uHfGiOkBNjTY", new DateTimeOffset(2026, 3, 14, 19, 42, 30, TimeSpan.Zero)));
        return app;
    }

    public static Results<Ok<LiveTicket>, ProblemHttpResult> IssueLiveTicket(ClaimsPrincipal user, LiveTickets tickets) =>
        tickets.Issue(user) is { } ticket
            ? TypedResults.Ok(ticket)
            : TypedResults.Problem("Too many live tickets are waiting to be used; try again in a few seconds.",
                statusCode: StatusCodes.Status429TooManyRequests);
}
