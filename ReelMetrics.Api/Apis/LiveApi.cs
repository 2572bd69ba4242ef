using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ReelMetrics.Api.Live;
using ReelMetrics.Api.OpenApi;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.Apis;

public static class LiveApi
{
    /// <summary>Maps <c>GET /live</c>: today's totals as Server-Sent Events.</summary>
    public static IEndpointRouteBuilder MapLiveApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/live", StreamLiveTotals)
            .WithTags("Live")
            .WithName("StreamLiveTotals")
            .WithSummary("Server-Sent Events: today's totals, the sales rate and the top five theaters and movies, whenever they change.")
            .WithDescription("Each event is `event: totals` with the JSON below as `data`: one at once, then one after new sales are stored (at most about four a second); a `: heartbeat` comment every 15 s.")
            .Produces<LiveTotals>(StatusCodes.Status200OK, LiveTotalsStream.ContentType)
            .WithResponseExample(ApiExamples.Live);
        return app;
    }

    public static Task StreamLiveTotals(HttpContext context, LiveTotalsStream stream) => stream.WriteAsync(context);
}
