using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReelMetrics.Api.OpenApi;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.Apis;

public static class BusinessDayApi
{
    /// <summary>Maps <c>GET /business-day</c>: the chain's business day now, so that clients never work out "today" themselves.</summary>
    public static IEndpointRouteBuilder MapBusinessDayApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/business-day", GetBusinessDay)
            .WithTags("Business day")
            .WithName("GetBusinessDay")
            .WithSummary("The chain's business day now: home time zone, cutoff, today, this week and the same time last week.")
            .WithDescription("A business date runs from the cutoff (default 06:00 local time) to the cutoff the next day, so a 00:30 screening belongs to the evening before. `today` is the business date now in the chain's home time zone, the default date of every other route; `this_week` runs Friday to Thursday; `same_time_last_week` is as far into the business day 7 days ago as now is into today.")
            .WithResponseExample(ApiExamples.BusinessDay);
        return app;
    }

    public static async Task<Ok<BusinessDayNow>> GetBusinessDay(SalesQueries sales, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sales.BusinessDayAsync(cancellationToken));
}
