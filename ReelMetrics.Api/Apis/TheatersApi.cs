using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api;

public static class TheatersApi
{
    public static IEndpointRouteBuilder MapTheatersApi(this IEndpointRouteBuilder app)
    {
        var theaters = app.MapGroup("/theaters").WithTags("Theaters");
        theaters.MapGet("/", GetTheaters)
            .WithName("GetTheaters")
            .WithSummary("All theaters of the chain, with their screens and seats.");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<TheaterSummary>>> GetTheaters(ISalesReadModel readModel, CancellationToken cancellationToken) =>
        TypedResults.Ok(await readModel.GetTheatersAsync(cancellationToken));
}
