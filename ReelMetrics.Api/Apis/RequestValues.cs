using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ReelMetrics.Api.Apis;

/// <summary>
/// Route and query values arrive as strings and are parsed here, so that a malformed one gets a 400 problem
/// details answer that says which value was wrong and why (ASP.NET's own binding failure would not say).
/// An empty query value counts as left out.
/// </summary>
internal static class RequestValues
{
    /// <summary>Longest date range a request may ask for, in days (both ends included).</summary>
    public const int MaxRangeDays = 366;

    /// <summary>Days a by-date list covers when <c>from</c> is left out (ending at <c>to</c>).</summary>
    public const int DefaultRangeDays = 30;

    public const int DefaultLimit = 10;
    public const int MaxLimit = 100;

    private const int MaxEcho = 40;

    /// <summary>A positive 32-bit id, digits only.</summary>
    public static bool TryId(string value, string what, out int id, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id > 0)
        {
            problem = null;
            return true;
        }
        problem = BadRequest($"Invalid {what} id", $"{Echo(value)} is not a {what} id: ids are whole numbers from 1 to {int.MaxValue}.");
        return false;
    }

    /// <summary>An ISO date (YYYY-MM-DD), or <paramref name="fallback"/> when left out.</summary>
    public static bool TryDate(string? value, string name, DateOnly fallback, out DateOnly date, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(value))
        {
            date = fallback;
            return true;
        }
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date)) return true;
        problem = BadRequest("Invalid date", $"{name} {Echo(value)} is not a date: use YYYY-MM-DD, e.g. 2025-03-14.");
        return false;
    }

    /// <summary>
    /// <c>from</c> and <c>to</c>, both included: <c>to</c> defaults to <paramref name="today"/>, <c>from</c> to
    /// <paramref name="defaultDays"/> days ending at <c>to</c>; at most <see cref="MaxRangeDays"/> days.
    /// </summary>
    public static bool TryRange(string? from, string? to, DateOnly today, int defaultDays, out DateRange range,
        [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        range = default;
        if (!TryDate(to, "to", today, out var last, out problem)) return false;
        var earliest = last.DayNumber - DateOnly.MinValue.DayNumber < defaultDays ? DateOnly.MinValue : last.AddDays(1 - defaultDays);
        if (!TryDate(from, "from", earliest, out var first, out problem)) return false;
        if (first > last)
        {
            problem = BadRequest("Invalid date range", $"from ({first:yyyy-MM-dd}) is after to ({last:yyyy-MM-dd}).");
            return false;
        }
        range = new DateRange(first, last);
        if (range.Days > MaxRangeDays)
        {
            problem = BadRequest("Invalid date range", $"from {first:yyyy-MM-dd} to {last:yyyy-MM-dd} is {range.Days} days; at most {MaxRangeDays} may be asked for at once.");
            return false;
        }
        return true;
    }

    /// <summary>How many leaderboard rows to return: 1 to <see cref="MaxLimit"/>, <see cref="DefaultLimit"/> when left out.</summary>
    public static bool TryLimit(string? value, out int limit, [NotNullWhen(false)] out ProblemHttpResult? problem) =>
        TryLimit(value, DefaultLimit, MaxLimit, out limit, out problem);

    /// <summary>How many rows of a list to return: 1 to <paramref name="maxLimit"/>, <paramref name="defaultLimit"/> when left out.</summary>
    public static bool TryLimit(string? value, int defaultLimit, int maxLimit, out int limit, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(value))
        {
            limit = defaultLimit;
            return true;
        }
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 && limit <= maxLimit) return true;
        problem = BadRequest("Invalid limit", $"limit {Echo(value)} is not allowed: use a whole number from 1 to {maxLimit}.");
        return false;
    }

    /// <summary>A 404 for an id nothing has.</summary>
    public static ProblemHttpResult NotFound(string what, int id) =>
        TypedResults.Problem(title: $"{char.ToUpperInvariant(what[0])}{what[1..]} not found", detail: $"No {what} has id {id}.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>A 400 with a title and a detail saying what to send instead.</summary>
    public static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest);

    /// <summary>The value as given, quoted and cut short: enough to recognise it.</summary>
    public static string Echo(string value)
    {
        if (value.Length <= MaxEcho) return $"'{value}'";
        var cut = char.IsHighSurrogate(value[MaxEcho - 1]) ? MaxEcho - 1 : MaxEcho;   // never half a character
        return $"'{value[..cut]}…'";
    }
}
