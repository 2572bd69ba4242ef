using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ReelMetrics.Api.Live;
using ReelMetrics.Api.OpenApi;
using ReelMetrics.Api.Protection;
using ReelMetrics.Api.Security;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.Apis;

public static class LiveApi
{
    /// <summary>
    /// Maps <c>GET /live</c>: today's totals as Server-Sent Events, for viewers, signed in by a bearer token or by a
    /// ticket of <c>POST /live/tickets</c> in the query (<c>?ticket=…</c>), which a browser's <c>EventSource</c> can send.
    /// </summary>
    public static IEndpointRouteBuilder MapLiveApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/live", StreamLiveTotals)
            .RequireAuthorization(Policies.Viewer)
            .WithTags("Live")
            .WithName("StreamLiveTotals")
            .WithSummary("Server-Sent Events: today's totals, the sales rate and the top five theaters and movies, whenever they change.")
            .WithDescription("Each event is `event: totals` with the JSON below as `data`: one at once, then one after new sales are stored (at most about four a second); a `: heartbeat` comment every 15 s. The stream also carries the pipeline: `event: status` (the JSON of `GET /status`) at once, whenever the state changes and at least every 5 s, and `event: alerts` (the open alerts, as `GET /alerts?state=open`) at once and whenever they change. A client may hold 5 streams at once (429 above), the server 500 in all (503 above).")
            .Produces<LiveTotals>(StatusCodes.Status200OK, LiveTotalsStream.ContentType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithResponseExample(ApiExamples.Live)
            .DisableRequestTimeout();   // a stream lasts as long as its client wants
        return app;
    }

    public static async Task StreamLiveTotals(HttpContext context, LiveStreamLimits limits, LiveTotalsStream stream)
    {
        using var place = await limits.AdmitAsync(context);
        if (place is null) return;   // refused: 429 for this caller's streams, 503 for the process's
        await stream.WriteAsync(context);
    }
}
