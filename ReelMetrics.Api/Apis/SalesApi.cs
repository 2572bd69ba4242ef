using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReelMetrics.Api.OpenApi;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.Apis;

public static class SalesApi
{
    /// <summary>Maps <c>/summary</c> and <c>/pace</c>: chain-wide sales.</summary>
    public static IEndpointRouteBuilder MapSalesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/summary", GetSummary)
            .WithTags("Sales")
            .WithName("GetSalesSummary")
            .WithSummary("Chain-wide revenue, tickets and sales over business dates, and their split by channel.")
            .WithDescription($"`to` defaults to today (UTC), `from` to `to`; at most {RequestValues.MaxRangeDays} days. Channels are ordered by revenue; channels without sales are left out.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithResponseExample(ApiExamples.Summary);
        app.MapGet("/pace", GetPace)
            .WithTags("Sales")
            .WithName("GetSalesPace")
            .WithSummary("Revenue sold so far today against the same weekday last week up to the same time of day.")
            .WithDescription("By `sold_at`, in UTC, to the minute. `series` holds both days' cumulative revenue per 15-minute bucket (`time` is the bucket's start, HH:mm UTC); `today` is null for buckets not yet begun. `ratio` is null when last week sold nothing by this time.")
            .WithResponseExample(ApiExamples.Pace);
        return app;
    }

    public static async Task<Results<Ok<SalesSummary>, ProblemHttpResult>> GetSummary(
        string? from, string? to, SalesQueries sales, CancellationToken cancellationToken)
    {
        if (!RequestValues.TryRange(from, to, sales.Today, 1, out var dates, out var problem)) return problem;
        return TypedResults.Ok(await sales.SummaryAsync(dates, cancellationToken));
    }

    public static async Task<Ok<SalesPace>> GetPace(SalesQueries sales, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sales.PaceAsync(cancellationToken));
}
