using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using ReelMetrics.Tests.Api;

namespace ReelMetrics.Tests.Chaos;

/// <summary>
/// Reads the APIs while the faults happen, as a dashboard would: today's theater leaderboard and the summary of the
/// generator's window, a few times a second, from each backend in turn. Every answer must be 200 (from Redis or
/// PostgreSQL) or, while PostgreSQL does not answer, the documented 503; anything else is recorded.
/// </summary>
internal sealed class ApiProbe(IReadOnlyList<ApiHost> apis, DateOnly from, DateOnly to)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private readonly ConcurrentDictionary<string, int> answers = new();
    private readonly ConcurrentQueue<string> failures = new();

    /// <summary>Answers by backend and status, e.g. <c>Dapper 200</c>.</summary>
    public IReadOnlyDictionary<string, int> Answers => answers;

    /// <summary>Answers that were neither 200 nor 503, or 200 without the expected JSON.</summary>
    public IReadOnlyList<string> Failures => [.. failures];

    public async Task RunAsync(CancellationToken stop)
    {
        var today = Day(DateOnly.FromDateTime(DateTime.UtcNow));
        string[] urls = [$"/leaderboards/theaters?date={today}&limit=100", $"/summary?from={Day(from)}&to={Day(to)}"];
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var api = apis[i % apis.Count];
            var url = urls[i / apis.Count % urls.Length];
            try
            {
                var answer = await api.Client.FetchAsync(url);
                answers.AddOrUpdate($"{api.Backend} {(int)answer.Status}", 1, (_, n) => n + 1);
                if (answer.Status == HttpStatusCode.OK ? !HasExpectedShape(answer) : answer.Status != HttpStatusCode.ServiceUnavailable)
                {
                    failures.Enqueue($"{api.Backend} GET {url} during the faults: {answer}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
            {
                failures.Enqueue($"{api.Backend} GET {url} during the faults threw {e.GetType().Name}: {e.Message}");
            }
            try
            {
                await Task.Delay(Interval, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static bool HasExpectedShape(ApiResponse answer)
    {
        try
        {
            return answer.Node switch
            {
                JsonArray rows => rows.All(r => r?["theater_id"] is not null && r["revenue"] is not null),
                JsonObject summary => summary["revenue"] is not null && summary["sales_count"] is not null,
                _ => false,
            };
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    internal static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
