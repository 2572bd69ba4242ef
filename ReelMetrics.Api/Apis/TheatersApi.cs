using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReelMetrics.Api.OpenApi;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.Apis;

public static class TheatersApi
{
    /// <summary>Maps <c>/theaters</c>: the theaters, and each one's movie sales, showtimes and sales by hour.</summary>
    public static IEndpointRouteBuilder MapTheatersApi(this IEndpointRouteBuilder app)
    {
        var theaters = app.MapGroup("/theaters").WithTags("Theaters");
        theaters.MapGet("/", GetTheaters)
            .WithName("GetTheaters")
            .WithSummary("All theaters of the chain, with their screens and seats, by id.")
            .WithResponseExample(ApiExamples.Theaters);
        theaters.MapGet("/{id}", GetTheater)
            .WithName("GetTheater")
            .WithSummary("One theater.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithResponseExample(ApiExamples.Theater);
        theaters.MapGet("/{id}/movies", GetTheaterMovies)
            .WithName("GetTheaterMovies")
            .WithSummary("Each movie's sales at the theater by business date, newest date first, then by revenue.")
            .WithDescription($"`to` defaults to the chain's business date today (`GET /business-day`), `from` to {RequestValues.DefaultRangeDays} days ending at `to`; at most {RequestValues.MaxRangeDays} days.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithResponseExample(ApiExamples.TheaterMovies);
        theaters.MapGet("/{id}/showtimes", GetTheaterShowtimes)
            .WithName("GetTheaterShowtimes")
            .WithSummary("The theater's showtimes on a business date (default the chain's business date today) and how full each is.")
            .WithDescription("`starts_at` is the start instant with the theater's UTC offset; `occupancy` is tickets_sold / capacity.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithResponseExample(ApiExamples.Showtimes);
        theaters.MapGet("/{id}/hours", GetTheaterHours)
            .WithName("GetTheaterHours")
            .WithSummary("The theater's sales on a business date (default the chain's business date today) per hour of its local day, by hour.")
            .WithDescription("`hour` 0–23 is the hour of the time of sale in the theater's time zone (19: from 19:00 to 20:00); hours without sales are left out.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithResponseExample(ApiExamples.TheaterHours);
        return app;
    }

    public static async Task<Ok<IReadOnlyList<Theater>>> GetTheaters(SalesQueries sales, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sales.TheatersAsync(cancellationToken));

    public static async Task<Results<Ok<Theater>, ProblemHttpResult>> GetTheater(
        string id, SalesQueries sales, CancellationToken cancellationToken)
    {
        if (!RequestValues.TryId(id, "theater", out var theaterId, out var problem)) return problem;
        return await sales.TheaterAsync(theaterId, cancellationToken) is { } theater
            ? TypedResults.Ok(theater)
            : RequestValues.NotFound("theater", theaterId);
    }

    public static async Task<Results<Ok<IReadOnlyList<TheaterMovieSales>>, ProblemHttpResult>> GetTheaterMovies(
        string id, string? from, string? to, SalesQueries sales, CancellationToken cancellationToken)
    {
        if (!RequestValues.TryId(id, "theater", out var theaterId, out var problem)) return problem;
        if (!RequestValues.TryRange(from, to, await sales.TodayAsync(cancellationToken), RequestValues.DefaultRangeDays, out var dates, out problem)) return problem;
        return await sales.TheaterMoviesAsync(theaterId, dates, cancellationToken) is { } rows
            ? TypedResults.Ok(rows)
            : RequestValues.NotFound("theater", theaterId);
    }

    public static async Task<Results<Ok<IReadOnlyList<TheaterHourSales>>, ProblemHttpResult>> GetTheaterHours(
        string id, string? date, SalesQueries sales, CancellationToken cancellationToken)
    {
        if (!RequestValues.TryId(id, "theater", out var theaterId, out var problem)) return problem;
        if (!RequestValues.TryDate(date, "date", await sales.TodayAsync(cancellationToken), out var day, out problem)) return problem;
        return await sales.TheaterHoursAsync(theaterId, day, cancellationToken) is { } rows
            ? TypedResults.Ok(rows)
            : RequestValues.NotFound("theater", theaterId);
    }

    public static async Task<Results<Ok<IReadOnlyList<Showtime>>, ProblemHttpResult>> GetTheaterShowtimes(
        string id, string? date, SalesQueries sales, CancellationToken cancellationToken)
    {
        if (!RequestValues.TryId(id, "theater", out var theaterId, out var problem)) return problem;
        if (!RequestValues.TryDate(date, "date", await sales.TodayAsync(cancellationToken), out var day, out problem)) return problem;
        return await sales.ShowtimesAsync(theaterId, day, cancellationToken) is { } rows
            ? TypedResults.Ok(rows)
            : RequestValues.NotFound("theater", theaterId);
    }
}
