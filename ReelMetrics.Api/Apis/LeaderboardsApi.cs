using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReelMetrics.Api.OpenApi;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.Apis;

public static class LeaderboardsApi
{
    /// <summary>Maps <c>/leaderboards</c> and <c>/top-theater/{date}</c>: who sold the most on a business date.</summary>
    public static IEndpointRouteBuilder MapLeaderboardsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/top-theater/{date}", GetTopTheater)
            .WithTags("Leaderboards")
            .WithName("GetTopTheater")
            .WithSummary("The theater with the most revenue on a business date.")
            .WithDescription("Ties go to the lowest theater id. 404 when nothing was sold that date.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithResponseExample(ApiExamples.TopTheater);

        var leaderboards = app.MapGroup("/leaderboards").WithTags("Leaderboards");
        leaderboards.MapGet("/theaters", GetTheaterLeaderboard)
            .WithName("GetTheaterLeaderboard")
            .WithSummary("Theaters by revenue on a business date (default the chain's business date today), ranked from 1.")
            .WithDescription("Ties go to the lowest id; only theaters that sold appear.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithResponseExample(ApiExamples.TheaterLeaderboard);
        leaderboards.MapGet("/movies", GetMovieLeaderboard)
            .WithName("GetMovieLeaderboard")
            .WithSummary("Movies by revenue on a business date (default the chain's business date today), ranked from 1.")
            .WithDescription("Ties go to the lowest id; only movies that sold appear.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithResponseExample(ApiExamples.MovieLeaderboard);
        return app;
    }

    public static async Task<Results<Ok<TopTheater>, ProblemHttpResult>> GetTopTheater(
        string date, SalesQueries sales, CancellationToken cancellationToken)
    {
        if (!RequestValues.TryDate(date, "date", await sales.TodayAsync(cancellationToken), out var day, out var problem)) return problem;
        return await sales.TopTheaterAsync(day, cancellationToken) is { } top
            ? TypedResults.Ok(top)
            : TypedResults.Problem(title: "No sales", detail: $"Nothing was sold on {day:yyyy-MM-dd}.", statusCode: StatusCodes.Status404NotFound);
    }

    public static async Task<Results<Ok<IReadOnlyList<TheaterRank>>, ProblemHttpResult>> GetTheaterLeaderboard(
        string? date, string? limit, SalesQueries sales, CancellationToken cancellationToken)
    {
        if (!RequestValues.TryDate(date, "date", await sales.TodayAsync(cancellationToken), out var day, out var problem)) return problem;
        if (!RequestValues.TryLimit(limit, out var rows, out problem)) return problem;
        return TypedResults.Ok(await sales.TheaterLeaderboardAsync(day, rows, cancellationToken));
    }

    public static async Task<Results<Ok<IReadOnlyList<MovieRank>>, ProblemHttpResult>> GetMovieLeaderboard(
        string? date, string? limit, SalesQueries sales, CancellationToken cancellationToken)
    {
        if (!RequestValues.TryDate(date, "date", await sales.TodayAsync(cancellationToken), out var day, out var problem)) return problem;
        if (!RequestValues.TryLimit(limit, out var rows, out problem)) return problem;
        return TypedResults.Ok(await sales.MovieLeaderboardAsync(day, rows, cancellationToken));
    }
}
