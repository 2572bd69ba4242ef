using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReelMetrics.Api.OpenApi;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.Apis;

public static class MoviesApi
{
    /// <summary>Maps <c>/movies</c>: the catalog and each movie's chain-wide sales.</summary>
    public static IEndpointRouteBuilder MapMoviesApi(this IEndpointRouteBuilder app)
    {
        var movies = app.MapGroup("/movies").WithTags("Movies");
        movies.MapGet("/", GetMovies)
            .WithName("GetMovies")
            .WithSummary("All movies of the catalog, by id.")
            .WithResponseExample(ApiExamples.Movies);
        movies.MapGet("/{id}/sales", GetMovieSales)
            .WithName("GetMovieSales")
            .WithSummary("The movie's chain-wide sales by business date, newest first.")
            .WithDescription($"`to` defaults to the chain's business date today (`GET /business-day`), `from` to {RequestValues.DefaultRangeDays} days ending at `to`; at most {RequestValues.MaxRangeDays} days. Dates without sales are left out.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithResponseExample(ApiExamples.MovieSales);
        return app;
    }

    public static async Task<Ok<IReadOnlyList<Movie>>> GetMovies(SalesQueries sales, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sales.MoviesAsync(cancellationToken));

    public static async Task<Results<Ok<IReadOnlyList<DailySales>>, ProblemHttpResult>> GetMovieSales(
        string id, string? from, string? to, SalesQueries sales, CancellationToken cancellationToken)
    {
        if (!RequestValues.TryId(id, "movie", out var movieId, out var problem)) return problem;
        if (!RequestValues.TryRange(from, to, await sales.TodayAsync(cancellationToken), RequestValues.DefaultRangeDays, out var dates, out problem)) return problem;
        return await sales.MovieSalesAsync(movieId, dates, cancellationToken) is { } rows
            ? TypedResults.Ok(rows)
            : RequestValues.NotFound("movie", movieId);
    }
}
