using Microsoft.AspNetCore.Http.HttpResults;

namespace ReelMetrics.Generator.Apis;

public static class TotalsApi
{
    /// <summary>
    /// Maps <c>GET /totals</c>: what the generator has sold so far (acknowledged sales only), by sale
    /// date and by theater, to compare with what the database and the APIs report.
    /// </summary>
    public static IEndpointRouteBuilder MapTotalsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/totals", GetTotals)
            .WithName("GetGeneratorTotals")
            .WithSummary("The generator's own totals: sales, tickets and revenue the broker acknowledged, by sale date and theater.");
        return app;
    }

    private static JsonHttpResult<GeneratorTotalsSnapshot> GetTotals(GeneratorTotals totals) =>
        TypedResults.Json(totals.Snapshot(), GeneratorJson.Default.GeneratorTotalsSnapshot);
}
