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
            .WithDescription($"`to` defaults to the chain's business date today (`GET /business-day`), `from` to `to`; at most {RequestValues.MaxRangeDays} days. Channels are ordered by revenue; channels without sales are left out.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithResponseExample(ApiExamples.Summary);
        app.MapGet("/pace", GetPace)
            .WithTags("Sales")
            .WithName("GetSalesPace")
            .WithSummary("Revenue of today's business date sold so far against the business date a week earlier up to the same time into its day.")
            .WithDescription("Today is the chain's business date (`GET /business-day`): the same sales as the summary's revenue of today, cumulative by `sold_at` to the minute. Last week: the business date 7 days earlier, up to the same elapsed time into its business day. `series` holds both days' cumulative revenue per 15-minute bucket of today's business day (`time` is the bucket's start, HH:mm in the chain's local time `time_zone`; 92, 96 or 100 buckets for a 23, 24 or 25-hour day; tickets sold before the day began count in the first bucket); `today` is null for buckets not yet begun. `ratio` is null when last week sold nothing by this time.")
            .WithResponseExample(ApiExamples.SalesPace);
        return app;
    }

    public static async Task<Results<Ok<SalesSummary>, ProblemHttpResult>> GetSummary(
        string? from, string? to, SalesQueries sales, CancellationToken cancellationToken)
    {
        if (!RequestValues.TryRange(from, to, await sales.TodayAsync(cancellationToken), 1, out var dates, out var problem)) return problem;
        return TypedResults.Ok(await sales.SummaryAsync(dates, cancellationToken));
    }

    public static async Task<Ok<SalesPace>> GetPace(SalesQueries sales, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sales.PaceAsync(cancellationToken));
}
