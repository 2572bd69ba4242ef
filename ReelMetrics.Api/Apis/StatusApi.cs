using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReelMetrics.Api.OpenApi;
using ReelMetrics.Api.Security;
using ReelMetrics.Api.Status;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.Apis;

public static class StatusApi
{
    /// <summary>Maps <c>GET /status</c>: whether the pipeline is live, lagging or stalled, and why.</summary>
    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/status", GetStatus)
            .RequireAuthorization(Policies.Viewer)
            .WithTags("Status")
            .WithName("GetPipelineStatus")
            .WithSummary("The pipeline's state (live, lagging, stalled), the newest sale stored and its age, consumer lag, ingest rate and the last hour's dead letters by reason.")
            .WithDescription("`stalled`: no consumer heartbeat for `thresholds.heartbeat_timeout_seconds`, or a consumer with messages waiting that stored nothing for `thresholds.stalled_after_seconds`. `lagging`: more than `thresholds.lagging_above_messages` messages waiting, or the newest sale stored more than `thresholds.lagging_delay_seconds` after it was sold (while sales flow). Otherwise `live`, also when nobody is buying. Thresholds: configuration `Api:Status`.")
            .WithResponseExample(ApiExamples.Status);
        return app;
    }

    public static async Task<Ok<PipelineStatus>> GetStatus(PipelineStatusQueries status, CancellationToken cancellationToken) =>
        TypedResults.Ok(await status.StatusAsync(cancellationToken));
}
