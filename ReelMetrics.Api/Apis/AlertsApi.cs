using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReelMetrics.Api.Alerts;
using ReelMetrics.Api.OpenApi;
using ReelMetrics.Api.Security;
using ReelMetrics.Contracts.Api;
using static ReelMetrics.Api.Apis.RequestValues;

namespace ReelMetrics.Api.Apis;

public static class AlertsApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    /// <summary>Maps <c>GET /alerts</c>: the alerts raised by the rules that matter to a cinema, open or all.</summary>
    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/alerts", GetAlerts)
            .RequireAuthorization(Policies.Viewer)
            .WithTags("Alerts")
            .WithName("GetAlerts")
            .WithSummary("Alerts, newest first: sell-out watch, quiet theaters, pipeline stalled, dead letters rising.")
            .WithDescription($"`state`: `open` (not resolved) or `all` (default). `from`: only alerts raised at or after it (an ISO date, meaning its start in UTC, or an ISO date-time with offset). `limit`: 1 to {MaxLimit}, default {DefaultLimit}. `resolved_at` is null while the alert is open.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithResponseExample(ApiExamples.Alerts);
        return app;
    }

    public static async Task<Results<Ok<IReadOnlyList<Alert>>, ProblemHttpResult>> GetAlerts(
        string? state, string? from, string? limit, IAlertStore alerts, CancellationToken cancellationToken)
    {
        bool openOnly;
        switch (state)
        {
            case null or "" or "all": openOnly = false; break;
            case "open": openOnly = true; break;
            default: return BadRequest("Invalid state", $"state {Echo(state)} is not allowed: use open or all.");
        }

        DateTimeOffset? since = null;
        if (!string.IsNullOrEmpty(from))
        {
            if (DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                since = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            }
            else if (from.Length > 10 && from[10] == 'T' && (from.EndsWith('Z') || from[^6] is '+' or '-')
                && DateTimeOffset.TryParse(from, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
            {
                since = instant.ToUniversalTime();
            }
            else
            {
                return BadRequest("Invalid from", $"from {Echo(from)} is not a date or a date-time: use YYYY-MM-DD or e.g. 2025-03-14T18:00:00Z.");
            }
        }

        if (!TryLimit(limit, DefaultLimit, MaxLimit, out var count, out var invalidLimit)) return invalidLimit;

        var rows = await alerts.GetAlertsAsync(openOnly, since, count, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<Alert>>(rows.OrderByDescending(r => r.RaisedAt).ThenByDescending(r => r.AlertId).Select(r => r.ToContract()).ToList());
    }
}
